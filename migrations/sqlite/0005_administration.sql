-- Administration: purging a finished exam. (Helpers of this change append their own
-- statements below, each with a comment.)

-- When the exam's images and personal data were purged; null while they are kept.
alter table exams add column purged_at text;

-- The dashboard's per-day series: submissions and decisions of the last 30 days are read
-- by time, not by scanning every row of the exam.
create index submissions_submitted_at on submissions (submitted_at);
create index decisions_decided_at on decisions (decided_at);
