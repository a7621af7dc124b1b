DROP TABLE follow_up_reminders;
DROP TABLE report_links;
DROP TABLE progress_reports;
DROP TABLE reporting_plan_entries;
DROP TABLE reporting_plans;
