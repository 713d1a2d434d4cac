-- The candidate portal. No upload path existed before this migration, so the images
-- table is empty everywhere and is recreated in its final shape.

-- One uploaded image of one material, after normalisation (a re-encoded JPEG and its
-- thumbnail; the bytes as sent are never stored). uid is the opaque id used in URLs;
-- blob_key and thumb_key name the objects in blob storage and carry no personal data.
drop table images;
create table images (
    id           bigint generated always as identity primary key,
    uid          uuid not null unique,
    candidate_id bigint not null references candidates (id) on delete cascade,
    material     text not null,
    blob_key     text not null unique,
    thumb_key    text not null unique,
    byte_size    bigint not null,
    width        integer not null,
    height       integer not null,
    sha256       text not null,
    created_at   timestamptz not null
);
create index images_candidate on images (candidate_id, material);

-- Sessions are looked up by token hash; expired ones are swept by age.
create index sessions_last_seen on sessions (last_seen_at);

-- Staff accounts lock after repeated failures, like candidates' (issue: the lockout must
-- hold across nodes, so it lives here and not in a process).
alter table staff add column failed_logins integer not null default 0;
alter table staff add column locked_until timestamptz;
