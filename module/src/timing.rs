//! Reducer time spans for profiling, compiled in only with the `timing` cargo feature
//! (`cargo build -p world-kernel --target wasm32-unknown-unknown --release --features timing`):
//! each span writes one `Timing span "NAME": DURATION` line to the module log when it ends
//! (`spacetime logs`). Without the feature a span is an empty value and costs nothing.

/// A running span: it ends (and is logged) when dropped.
#[cfg(feature = "timing")]
pub struct Span(#[allow(dead_code)] spacetimedb::log_stopwatch::LogStopwatch);

/// A running span: it ends (and is logged) when dropped.
#[cfg(not(feature = "timing"))]
pub struct Span;

/// Start a span named `name` (a reducer, or `reducer/phase` for a part of one).
#[cfg(feature = "timing")]
pub fn span(name: &str) -> Span {
    Span(spacetimedb::log_stopwatch::LogStopwatch::new(name))
}

/// Start a span named `name` (compiled out: nothing happens).
#[cfg(not(feature = "timing"))]
#[inline(always)]
pub fn span(_name: &str) -> Span {
    Span
}

impl Span {
    /// End the span here (before the end of its scope).
    #[inline(always)]
    pub fn end(self) {}
}
