"""Members (issue #3). Import the modules: app.members.service, .records (the only writer of members and
member_fields), .search, .validation, .fields."""
