//! Generator (being built).
