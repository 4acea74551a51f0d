//! Reference mock servers (being built).
