//! [`State`]: what a service, its endpoint tasks and its discovery task share, and the
//! discovery documents made from it.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use natskit::Client;
use natskit_proto::time::{rfc3339, Precision};

use crate::lifecycle::Lifecycle;
use crate::schema::{
    EndpointInfo, EndpointStats, InfoResponse, Metadata, PingResponse, StatsResponse,
    INFO_RESPONSE_TYPE, PING_RESPONSE_TYPE, STATS_RESPONSE_TYPE,
};
use crate::stats::{nanos, Counters};
use crate::{lock, StatsHandler};

/// What the service, its endpoint tasks and its discovery task share.
pub(crate) struct State {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) metadata: Metadata,
    pub(crate) queue_group: Option<String>,
    pub(crate) started: SystemTime,
    pub(crate) stats_handler: Option<StatsHandler>,
    pub(crate) endpoints: Mutex<Vec<Arc<EndpointEntry>>>,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) client: Client,
}

/// One endpoint as discovery describes it.
pub(crate) struct EndpointEntry {
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) queue_group: Option<String>,
    pub(crate) metadata: Metadata,
    pub(crate) counters: Arc<Counters>,
}

impl State {
    pub(crate) fn entries(&self) -> Vec<Arc<EndpointEntry>> {
        lock(&self.endpoints).clone()
    }

    pub(crate) fn add_entry(&self, entry: Arc<EndpointEntry>) {
        lock(&self.endpoints).push(entry);
    }

    pub(crate) fn ping(&self) -> PingResponse {
        PingResponse {
            kind: PING_RESPONSE_TYPE.into(),
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
        }
    }

    pub(crate) fn info(&self) -> InfoResponse {
        InfoResponse {
            kind: INFO_RESPONSE_TYPE.into(),
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            description: self.description.clone(),
            endpoints: self
                .entries()
                .iter()
                .map(|e| EndpointInfo {
                    name: e.name.clone(),
                    subject: e.subject.clone(),
                    queue_group: e.queue_group.clone().unwrap_or_default(),
                    metadata: e.metadata.clone(),
                })
                .collect(),
        }
    }

    pub(crate) fn stats(&self) -> StatsResponse {
        let endpoints = self
            .entries()
            .iter()
            .map(|e| {
                let s = e.counters.snapshot();
                EndpointStats {
                    name: e.name.clone(),
                    subject: e.subject.clone(),
                    queue_group: e.queue_group.clone().unwrap_or_default(),
                    average_processing_time: nanos(s.average()),
                    num_requests: s.requests,
                    num_errors: s.errors,
                    last_error: s.last_error,
                    processing_time: nanos(s.processing),
                    data: self.stats_handler.as_ref().map(|h| h(&e.name)),
                }
            })
            .collect();
        StatsResponse {
            kind: STATS_RESPONSE_TYPE.into(),
            name: self.name.clone(),
            id: self.id.clone(),
            version: self.version.clone(),
            metadata: self.metadata.clone(),
            // Six fraction digits, always: nats-py reads no more than six, and needs the dot.
            started: rfc3339(self.started, Precision::Micros),
            endpoints,
        }
    }
}
