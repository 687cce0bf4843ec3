from app.calendar.workdays import (DueDate, HolidayTables, add_working_days, import_holiday_table,  # noqa: F401
                                   is_working_day, working_days_between)
