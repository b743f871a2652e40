//! The events' metrics: written (by the gateway that made the change), delivered, retried,
//! dead-lettered, delivery latency, and the age of the oldest event a deliverer holds.

use prometheus::{Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

/// Every event metric.
#[derive(Clone)]
pub struct EventMetrics {
    written: IntCounterVec,
    delivered: IntCounterVec,
    retried: IntCounterVec,
    dead: IntCounterVec,
    latency: HistogramVec,
    oldest: GaugeVec,
}

impl EventMetrics {
    /// The metrics, registered in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let written = IntCounterVec::new(
            Opts::new(
                "events_written_total",
                "Events written with the changes this gateway made, by type",
            ),
            &["type"],
        )?;
        let delivered = IntCounterVec::new(
            Opts::new(
                "events_delivered_total",
                "Events a webhook acknowledged (2xx), by webhook",
            ),
            &["webhook"],
        )?;
        let retried = IntCounterVec::new(
            Opts::new(
                "events_retried_total",
                "Delivery attempts that failed and will be retried, by webhook (one per event of the request)",
            ),
            &["webhook"],
        )?;
        let dead = IntCounterVec::new(
            Opts::new(
                "events_dead_lettered_total",
                "Events given up after the webhook's retry horizon, by webhook",
            ),
            &["webhook"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "event_delivery_seconds",
                "From the change to the webhook's acknowledgement, by webhook",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
                3600.0,
            ]),
            &["webhook"],
        )?;
        let oldest = GaugeVec::new(
            Opts::new(
                "events_oldest_undelivered_seconds",
                "Age of the oldest event this replica holds and has not delivered yet, by webhook",
            ),
            &["webhook"],
        )?;
        registry.register(Box::new(written.clone()))?;
        registry.register(Box::new(delivered.clone()))?;
        registry.register(Box::new(retried.clone()))?;
        registry.register(Box::new(dead.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(oldest.clone()))?;
        Ok(Self {
            written,
            delivered,
            retried,
            dead,
            latency,
            oldest,
        })
    }

    /// `n` events of type `kind` written.
    pub fn written(&self, kind: &str, n: u64) {
        if n > 0 {
            self.written.with_label_values(&[kind]).inc_by(n);
        }
    }

    /// One event delivered `seconds` after its change.
    pub fn delivered(&self, webhook: &str, seconds: f64) {
        self.delivered.with_label_values(&[webhook]).inc();
        self.latency
            .with_label_values(&[webhook])
            .observe(seconds.max(0.0));
    }

    /// `n` events of a failed attempt will be retried.
    pub fn retried(&self, webhook: &str, n: usize) {
        self.retried.with_label_values(&[webhook]).inc_by(n as u64);
    }

    /// One event dead-lettered.
    pub fn dead_lettered(&self, webhook: &str) {
        self.dead.with_label_values(&[webhook]).inc();
    }

    /// The oldest undelivered event's age gauge of `webhook`.
    pub fn oldest(&self, webhook: &str) -> Gauge {
        self.oldest.with_label_values(&[webhook])
    }
}
