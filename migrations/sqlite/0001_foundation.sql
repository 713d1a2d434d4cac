-- The foundation schema. Migrations are append-only: never edit a released file,
-- add a new numbered one. migrations/postgres/ holds the same numbers for PostgreSQL.

-- One exam session of one exam office, with its category rules (the TOML text as the
-- admin wrote it) and its windows.
create table exams (
    id                integer primary key autoincrement,
    code              text not null unique,
    name              text not null,
    config            text not null,
    is_current        integer not null default 0,
    upload_opens_at   text,
    upload_closes_at  text,
    resubmit_deadline text,
    created_at        text not null,
    updated_at        text not null
);

-- A candidate of one exam, as the roster describes them. The category is computed from
-- the exam's rules at import; a null category comes with the reason why.
-- password_hash stays null until the candidate replaces the initial password (the email),
-- so importing a million rows needs no hashing.
create table candidates (
    id                   integer primary key autoincrement,
    exam_id              bigint not null references exams (id),
    id_number            text not null,
    registration_no      text not null,
    name                 text not null,
    email                text not null,
    phone                text,
    school               text not null,
    school_location      text,
    is_student           integer not null,
    hukou_text           text not null,
    hukou_province       text,
    hukou_city           text,
    subject              text not null,
    category             text,
    ineligible_reason    text,
    status               text not null default 'draft',
    password_hash        text,
    failed_logins        integer not null default 0,
    locked_until         text,
    created_at           text not null,
    updated_at           text not null,
    constraint candidates_exam_id_number_key unique (exam_id, id_number)
);
create index candidates_exam_status on candidates (exam_id, status);
create index candidates_exam_registration_no on candidates (exam_id, registration_no);

-- Exam-office staff: reviewers and admins.
create table staff (
    id                   integer primary key autoincrement,
    username             text not null unique,
    password_hash        text not null,
    role                 text not null check (role in ('reviewer', 'admin')),
    totp_secret          text,
    must_change_password integer not null default 1,
    disabled             integer not null default 0,
    created_at           text not null
);

-- Server-side sessions. Only a hash of the token is stored.
create table sessions (
    token_hash   text primary key,
    candidate_id bigint references candidates (id) on delete cascade,
    staff_id     bigint references staff (id) on delete cascade,
    csrf_token   text not null,
    created_at   text not null,
    last_seen_at text not null,
    check ((candidate_id is null) <> (staff_id is null))
);

-- One uploaded image of one material. blob_key names the object in blob storage and
-- carries no personal data.
create table images (
    id           integer primary key autoincrement,
    candidate_id bigint not null references candidates (id) on delete cascade,
    material     text not null,
    blob_key     text not null unique,
    content_type text not null,
    byte_size    bigint not null,
    width        integer not null,
    height       integer not null,
    sha256       text not null,
    created_at   text not null
);
create index images_candidate on images (candidate_id, material);

-- Each time a candidate submits (the first time and after every return for fixes).
create table submissions (
    id           integer primary key autoincrement,
    candidate_id bigint not null references candidates (id) on delete cascade,
    round        integer not null,
    submitted_at text not null,
    unique (candidate_id, round)
);

-- A reviewer's decision on a submission; per-material marks as JSON text.
create table decisions (
    id            integer primary key autoincrement,
    submission_id bigint not null references submissions (id) on delete cascade,
    reviewer_id   bigint not null references staff (id),
    outcome       text not null check (outcome in ('approved', 'returned', 'rejected')),
    marks         text not null,
    comment       text,
    decided_at    text not null
);

-- Append-only record of who did what. Candidates appear only by their opaque id.
create table audit_log (
    id           integer primary key autoincrement,
    at           text not null,
    actor_kind   text not null,
    actor_id     bigint,
    action       text not null,
    candidate_id bigint,
    ip           text,
    detail       text
);
create index audit_log_at on audit_log (at);
create index audit_log_candidate on audit_log (candidate_id);
