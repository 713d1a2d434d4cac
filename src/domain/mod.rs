//! Pure business rules: no HTTP, SQL or async here.

pub mod applicant;
pub mod candidate;
pub mod id_number;
pub mod password;
pub mod region;
pub mod review;
pub mod roster;
pub mod rules;
pub mod search;
pub mod status;
pub mod window;
