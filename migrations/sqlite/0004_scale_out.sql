-- Stateless nodes: what a request needs lives here, so any node can serve any request.

-- Sign-in attempts per client in fixed one-minute windows, counted by every node alike.
-- key: a SHA-256 of the client address (never the address itself); window_start: the
-- first attempt of the current window. Rows of windows that ended are swept.
create table rate_limits (
    key          text primary key,
    window_start text not null,
    hits         integer not null
);
create index rate_limits_window_start on rate_limits (window_start);
