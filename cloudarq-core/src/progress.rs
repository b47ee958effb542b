//! Progress events of a collection, for a progress bar or log lines.

use std::fmt;
use std::sync::Arc;

use cloudarq_model::{Region, Service};

/// How far a collection has come.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The collection is split into this many service × region units.
    Planned {
        /// How many units there are.
        units: usize,
    },
    /// One unit is done.
    Collected {
        /// Its service.
        service: Service,
        /// Its region (`None` for global services).
        region: Option<Region>,
        /// How many resources it found.
        resources: usize,
    },
}

type Callback = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// An optional progress callback.
#[derive(Clone, Default)]
pub(crate) struct Progress(Option<Callback>);

impl Progress {
    pub(crate) fn new(f: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    pub(crate) fn emit(&self, event: ProgressEvent) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(callback)"
        } else {
            "Progress(none)"
        })
    }
}
