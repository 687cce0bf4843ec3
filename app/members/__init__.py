"""Members (issue #3). Import the modules: app.members.service, .search, .validation, .fields."""
