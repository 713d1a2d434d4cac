-- The review workspace: claims, the queue, second review, staff TOTP, settings.

-- A case is claimed by one reviewer at a time; a claim whose claimed_at (last activity)
-- is older than the claim timeout counts as released. submitted_at orders the queue
-- (oldest first). first_reviewer_id is set while a first decision awaits a second
-- reviewer (status in_review), who must be someone else.
alter table candidates add column claimed_by bigint references staff (id);
alter table candidates add column claimed_at text;
alter table candidates add column submitted_at text;
alter table candidates add column first_reviewer_id bigint references staff (id);
create index candidates_queue on candidates (exam_id, status, submitted_at, id);
create index candidates_submitted on candidates (exam_id, submitted_at, id);
create index candidates_exam_name on candidates (exam_id, name);
create index candidates_claimed_by on candidates (claimed_by);

-- stage 1 is the first decision, 2 the second review; disagrees marks a second review
-- whose outcome or marks differ from the first. resubmit_by: the deadline a return gave.
alter table decisions add column stage integer not null default 1;
alter table decisions add column resubmit_by text;
alter table decisions add column disagrees integer not null default 0;
create index decisions_submission on decisions (submission_id);
create index decisions_reviewer on decisions (reviewer_id, decided_at);

-- The reasons a reviewer picks from, per exam, as a JSON array of strings; null means
-- the default catalogue.
alter table exams add column review_reasons text;

-- TOTP (RFC 6238): totp_secret is the confirmed secret (base32); totp_pending holds a
-- secret being enrolled until the first code confirms it; totp_last_step refuses a code
-- used twice.
alter table staff add column totp_pending text;
alter table staff add column totp_last_step bigint;

-- Settings an admin changes at run time (every node reads them from here).
create table settings (
    key        text primary key,
    value      text not null,
    updated_at text not null
);

create index audit_log_actor on audit_log (actor_kind, actor_id, id);
create index audit_log_action on audit_log (action, id);

-- Cases submitted before this migration enter the queue by their latest submission.
update candidates set submitted_at = (
    select max(s.submitted_at) from submissions s where s.candidate_id = candidates.id
) where status <> 'draft';
