"""Purchases: records (manual entry, queries, the last-purchase notes), POS import, the POS export folder."""
