-- Administration: purging a finished exam. (Helpers of this change append their own
-- statements below, each with a comment.)

-- When the exam's images and personal data were purged; null while they are kept.
alter table exams add column purged_at text;
