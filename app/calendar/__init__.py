from app.calendar.workdays import (  # noqa: F401
    DueDate,
    HolidayTables,
    add_working_days,
    import_holiday_table,
    is_working_day,
    working_days_between,
)
