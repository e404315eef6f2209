//! Results straight into a report: a run's metrics as CSV and JSON, a batch
//! as CSV (one row per seed, and the mean ± std table), and coverage curves
//! as a standalone SVG chart. Plain strings; the page offers them as
//! downloads.
//!
//! Like `gossip experiment`'s files: an undefined metric is an empty CSV
//! cell or JSON `null`, never 0; floats keep [`EXPORT_DIGITS`](super::format::EXPORT_DIGITS) significant
//! digits; loss is a probability (0 to 1) in CSV and JSON alike.

use core::fmt::Write as _;

use gossip_core::metrics::{CoveragePoint, GossipReport};
use gossip_core::theory::Curve;
use gossip_core::PerType;
use serde::Serialize;

use super::batch::{Batch, TableRow};
use super::format::{round_export, si, ticks};
use super::params::{Params, PARAMS};
use super::theory;

/// Columns of [`report_csv`] and [`runs_csv`], like `gossip experiment`'s results.csv.
pub const CSV_HEADER: &str = "n,fanout,ttl,mode,loss,seed,delivered,delivery_ratio,t50_ms,t95_ms,t100_ms,overhead,overhead_bytes,total_messages,duplicates,rmr,mean_hops,max_hops";

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A float as exports write it: rounded to [`EXPORT_DIGITS`](super::format::EXPORT_DIGITS) digits.
fn num(v: f64) -> String {
    round_export(v).to_string()
}

fn csv_row(p: &Params, r: &GossipReport) -> String {
    [
        p.nodes.to_string(),
        p.fanout.to_string(),
        p.ttl.to_string(),
        p.mode.as_str().to_owned(),
        num(p.loss_pct / 100.0),
        p.seed.to_string(),
        r.delivered.to_string(),
        num(r.delivery_ratio),
        opt(r.t50_ms.map(num)),
        opt(r.t95_ms.map(num)),
        opt(r.t100_ms.map(num)),
        opt(r.overhead),
        opt(r.overhead_bytes),
        r.total_messages.to_string(),
        r.duplicates.to_string(),
        opt(r.rmr.map(num)),
        opt(r.mean_hops.map(num)),
        opt(r.max_hops),
    ]
    .join(",")
}

/// One run's metrics: the header and one row.
pub fn report_csv(params: &Params, report: &GossipReport) -> String {
    format!("{CSV_HEADER}\n{}\n", csv_row(params, report))
}

/// A batch: the header and one row per seed that produced a report.
pub fn runs_csv(batch: &Batch) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for run in batch.runs() {
        if let Ok(report) = &run.outcome {
            let params = Params {
                seed: run.seed,
                ..batch.params().clone()
            };
            out.push_str(&csv_row(&params, report));
            out.push('\n');
        }
    }
    out
}

/// The mean ± std table: `metric,unit,mean,std,runs`, where `runs` counts
/// the runs that defined the metric (mean and std are empty without any,
/// std without two).
pub fn table_csv(rows: &[TableRow]) -> String {
    let mut out = String::from("metric,unit,mean,std,runs\n");
    for row in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            csv_field(row.metric),
            row.unit,
            opt(row.summary.mean_value().map(num)),
            opt(row.summary.std_value().map(num)),
            row.summary.n
        );
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A run's metrics as [`report_json`] writes them: floats rounded, the id
/// as a string, the curve as `[ms, fraction]` pairs.
#[derive(Serialize)]
struct ReportJson {
    id: String,
    population: u32,
    delivered: u64,
    delivery_ratio: f64,
    t50_ms: Option<f64>,
    t95_ms: Option<f64>,
    t100_ms: Option<f64>,
    overhead: Option<u64>,
    overhead_by_type: Option<PerType>,
    overhead_bytes: Option<u64>,
    total_messages: u64,
    payload_receptions: u64,
    duplicates: u64,
    rmr: Option<f64>,
    mean_hops: Option<f64>,
    max_hops: Option<u32>,
    coverage: Vec<[f64; 2]>,
}

/// One run: its parameters and its metrics.
#[derive(Serialize)]
struct RunJson {
    params: serde_json::Map<String, serde_json::Value>,
    report: ReportJson,
}

impl RunJson {
    fn of(p: &Params, r: &GossipReport) -> RunJson {
        // Inserted one by one: collecting into the map would sort the pairs
        // with a copy of the standard sort of its own in the wasm.
        let mut params = serde_json::Map::new();
        for param in PARAMS {
            params.insert(param.json.to_owned(), param.json_value(p));
        }
        RunJson {
            params,
            report: ReportJson {
                id: r.id.to_string(),
                population: r.population,
                delivered: r.delivered,
                delivery_ratio: round_export(r.delivery_ratio),
                t50_ms: r.t50_ms.map(round_export),
                t95_ms: r.t95_ms.map(round_export),
                t100_ms: r.t100_ms.map(round_export),
                overhead: r.overhead,
                overhead_by_type: r.overhead_by_type.map(PerType::from),
                overhead_bytes: r.overhead_bytes,
                total_messages: r.total_messages,
                payload_receptions: r.payload_receptions,
                duplicates: r.duplicates,
                rmr: r.rmr.map(round_export),
                mean_hops: r.mean_hops.map(round_export),
                max_hops: r.max_hops,
                coverage: r
                    .coverage
                    .iter()
                    .map(|c| [round_export(c.ms), round_export(c.fraction)])
                    .collect(),
            },
        }
    }
}

/// Serializes a value whose every map key is a string, which cannot fail.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// One run as a JSON object: its parameters and every metric, the overhead
/// by message type and the coverage curve as `[ms, fraction]` pairs.
pub fn report_json(params: &Params, report: &GossipReport) -> String {
    to_json(&RunJson::of(params, report))
}

/// Several runs (a comparison) as a JSON array of [`report_json`] objects.
pub fn reports_json<'a>(runs: impl IntoIterator<Item = (&'a Params, &'a GossipReport)>) -> String {
    to_json(
        &runs
            .into_iter()
            .map(|(p, r)| RunJson::of(p, r))
            .collect::<Vec<_>>(),
    )
}

/// One curve of a coverage chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Series<'a> {
    /// Legend text.
    pub label: &'a str,
    /// The curve, as [`GossipReport::coverage`] gives it.
    pub points: &'a [CoveragePoint],
}

/// Line colours, in series order (colour-blind safe).
const COLOURS: [&str; 4] = ["#0072b2", "#d55e00", "#009e73", "#cc79a7"];

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The coverage-over-time chart as a standalone SVG document,
/// `width` x `height` pixels: one step line per series, axes in ms and %.
pub fn coverage_svg(title: &str, series: &[Series<'_>], width: u32, height: u32) -> String {
    coverage_svg_with(title, series, &[], width, height)
}

/// [`coverage_svg`] with core's `theory` curves drawn over the measured
/// ones (the time axis stretched to show them).
pub fn coverage_svg_with(
    title: &str,
    series: &[Series<'_>],
    theory: &[Curve],
    width: u32,
    height: u32,
) -> String {
    let (w, h) = (f64::from(width.max(200)), f64::from(height.max(150)));
    let (left, right, top, bottom) = (56.0, 16.0, 36.0, 44.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let max_ms = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.ms))
        .fold(theory::span_ms(theory), f64::max)
        .max(1.0);
    let x = |ms: f64| left + ms / max_ms * pw;
    let y = |fraction: f64| top + (1.0 - fraction.clamp(0.0, 1.0)) * ph;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = write!(
        out,
        "<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/><text x=\"{left}\" y=\"20\" font-size=\"14\">{}</text>",
        xml(title)
    );
    for pct in [0u32, 25, 50, 75, 100] {
        let gy = y(f64::from(pct) / 100.0);
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{gy:.1}\" x2=\"{:.1}\" y2=\"{gy:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{pct}%</text>",
            left + pw,
            left - 6.0,
            gy + 4.0
        );
    }
    for ms in ticks(max_ms, 5) {
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#999\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            top + ph,
            top + ph + 4.0,
            top + ph + 16.0,
            si(ms),
            x = x(ms),
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">ms after publish</text>",
        left + pw / 2.0,
        h - 6.0
    );
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let mut points = format!("{:.1},{:.1}", x(0.0), y(0.0));
        let mut level = 0.0;
        for p in s.points {
            let _ = write!(
                points,
                " {:.1},{:.1} {:.1},{:.1}",
                x(p.ms),
                y(level),
                x(p.ms),
                y(p.fraction)
            );
            level = p.fraction;
        }
        // The first curve is wide and solid, later ones narrow and dashed, so
        // a curve running on top of another still shows both.
        let style = if i == 0 {
            "stroke-width=\"4\""
        } else {
            "stroke-width=\"2\" stroke-dasharray=\"8 4\""
        };
        let _ = write!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" {style} points=\"{points}\"/>"
        );
        let ly = top + 14.0 + 16.0 * i as f64;
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"3\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            left + pw - 150.0,
            ly - 4.0,
            left + pw - 134.0,
            ly,
            xml(s.label)
        );
    }
    let plot = theory::Plot {
        left,
        top,
        width: pw,
        height: ph,
        x_max: max_ms,
    };
    out.push_str(&theory::svg(theory, plot, true));
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use gossip_core::sim::broadcast;
    use gossip_core::MsgId;

    use super::*;

    fn report() -> GossipReport {
        GossipReport {
            id: MsgId(0xab),
            population: 4,
            delivered: 4,
            delivery_ratio: 1.0,
            t50_ms: Some(10.0),
            t95_ms: Some(40.5),
            t100_ms: Some(40.5),
            overhead: Some(4),
            overhead_by_type: Some([0, 0, 0, 3, 1, 0, 0, 0, 0, 0]),
            overhead_bytes: None,
            total_messages: 5,
            payload_receptions: 4,
            duplicates: 1,
            rmr: Some(0.25),
            mean_hops: None,
            max_hops: Some(2),
            last_hop: Some(2),
            pulled_by_t95: Some(0),
            coverage: vec![
                CoveragePoint {
                    ms: 0.0,
                    fraction: 0.25,
                },
                CoveragePoint {
                    ms: 40.5,
                    fraction: 1.0,
                },
            ],
        }
    }

    #[test]
    fn csv_has_the_experiment_columns_and_one_row() {
        let csv = report_csv(&Params::default(), &report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].split(',').count(), lines[1].split(',').count());
        assert_eq!(
            lines[1],
            "50,3,8,hybrid,0,42,4,1,10,40.5,40.5,4,,5,1,0.25,,2"
        );
    }

    #[test]
    fn json_holds_parameters_metrics_and_the_curve() {
        let json = report_json(&Params::default(), &report());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["params"]["nodes"], 50);
        assert_eq!(v["params"]["seed"], 42);
        assert_eq!(v["params"]["mode"], "hybrid");
        assert_eq!(v["report"]["id"], MsgId(0xab).to_string());
        assert!(v["report"]["mean_hops"].is_null());
        assert_eq!(v["report"]["max_hops"], 2);
        assert_eq!(v["report"]["overhead_by_type"]["GOSSIP"], 3);
        assert_eq!(v["report"]["overhead_by_type"]["PING"], 1);
        assert_eq!(v["report"]["overhead_by_type"]["GRAFT"], 0);
        assert_eq!(
            v["report"]["coverage"],
            serde_json::json!([[0.0, 0.25], [40.5, 1.0]])
        );
        let both: serde_json::Value =
            serde_json::from_str(&reports_json([(&Params::default(), &report()); 2])).unwrap();
        assert_eq!(both.as_array().map(Vec::len), Some(2));
        assert_eq!(both[1], v);
    }

    #[test]
    fn undefined_metrics_are_empty_or_null_and_floats_rounded() {
        let open = GossipReport {
            t95_ms: None,
            t100_ms: None,
            overhead: None,
            overhead_by_type: None,
            t50_ms: Some(415.748_999_999_999_97),
            ..report()
        };
        let params = Params {
            loss_pct: 30.0,
            ..Params::default()
        };
        let csv = report_csv(&params, &open);
        let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(
            (row[4], row[8], row[9], row[11], row[12]),
            ("0.3", "415.749", "", "", "")
        );
        let json: serde_json::Value = serde_json::from_str(&report_json(&params, &open)).unwrap();
        assert_eq!(json["params"]["loss"], 0.3, "same unit as the CSV");
        assert_eq!(json["report"]["t50_ms"], 415.749);
        for undefined in ["t95_ms", "overhead", "overhead_by_type", "overhead_bytes"] {
            assert!(json["report"][undefined].is_null(), "{undefined}");
        }
        let table = table_csv(&crate::model::batch::table(
            &gossip_core::metrics::Aggregate::of(&[open]),
        ));
        assert!(table.contains("time to 95%,ms,,,0"), "{table}");
    }

    #[test]
    fn batch_and_table_csv_have_a_row_per_seed_and_per_metric() {
        let mut batch = Batch::new(
            Params {
                nodes: 10,
                ..Params::default()
            },
            2,
        );
        while !batch.step() {}
        let runs = runs_csv(&batch);
        assert_eq!(runs.lines().count(), 3);
        assert!(runs
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("10,3,8,hybrid,0,43,"));
        let table = table_csv(&batch.table());
        assert_eq!(table.lines().count(), 9);
        assert!(table.contains("\"overhead (messages in [t0, t95])\""));
    }

    #[test]
    fn svg_draws_one_line_per_series_and_escapes_labels() {
        let real = broadcast(
            Params {
                nodes: 10,
                ..Params::default()
            }
            .scenario(),
            10_000.0,
        )
        .unwrap();
        let fixed = report();
        let svg = coverage_svg(
            "push <vs> hybrid",
            &[
                Series {
                    label: "a & b",
                    points: &real.coverage,
                },
                Series {
                    label: "fixed",
                    points: &fixed.coverage,
                },
            ],
            640,
            360,
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("push &lt;vs&gt; hybrid") && svg.contains("a &amp; b"));
        let empty = coverage_svg("nothing yet", &[], 0, 0);
        assert_eq!(empty.matches("<polyline").count(), 0);
        assert!(empty.contains("width=\"200\""));
    }
}
