"""MemberDesk Qt user interface. Renders app/ state; rules live in app/."""
