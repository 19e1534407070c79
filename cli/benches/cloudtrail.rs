//! CloudTrail throughput: `pare`'s scan of generated logs against a floor
//! measured in the same run, on the same files and the same number of threads.
//!
//! The floor is the plainest loop that does the same unavoidable work: read
//! each file, inflate it, deserialize the same fields (borrowed, into a
//! derived struct) and touch every record, with no attribution, no maps and
//! no merging. The ratio pare/floor is what the issue's target is about
//! (within 2x); absolute times depend on the machine.
//!
//! ```text
//! cargo bench -p pare-cli --bench cloudtrail -- [--files N] [--events M] [--dir DIR] [--generate-only]
//! ```
//!
//! `scripts/bench-cloudtrail.sh` runs it, then Trailscraper on the same files
//! and `pare usage` at two log volumes for memory.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let files: usize = value("--files").and_then(|v| v.parse().ok()).unwrap_or(64);
    let events: usize = value("--events")
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let keep = value("--dir").map(PathBuf::from);
    let temp = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
    let dir = keep.clone().unwrap_or_else(|| temp.path().join("AWSLogs"));
    let (compressed, raw) = generate(&dir, files, events);
    println!(
        "logs: {files} file(s) x {events} event(s) = {} events, {:.1} MB gzipped, {:.1} MB of JSON",
        files * events,
        mb(compressed),
        mb(raw)
    );
    if args.iter().any(|a| a == "--generate-only") {
        println!("written to {}", dir.display());
        return;
    }
    let paths = vec![dir.clone()];
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8);
    let mut floor = Duration::MAX;
    let mut pare = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let touched = floor_scan(&dir, threads);
        floor = floor.min(started.elapsed());
        assert_eq!(touched, files * events, "the floor read every record");
        let started = Instant::now();
        let read = pare_scan(&paths);
        pare = pare.min(started.elapsed());
        assert_eq!(read, (files * events) as u64, "pare read every record");
    }
    let rate = |d: Duration| mb(raw) / d.as_secs_f64();
    println!("threads: {threads}");
    println!(
        "floor (inflate + deserialize the same fields): {:>8.3} s  {:>7.1} MB/s of JSON",
        floor.as_secs_f64(),
        rate(floor)
    );
    println!(
        "pare (scan, attribute, count):                {:>8.3} s  {:>7.1} MB/s of JSON",
        pare.as_secs_f64(),
        rate(pare)
    );
    println!(
        "ratio pare/floor: {:.2} (target: at most 2)",
        pare.as_secs_f64() / floor.as_secs_f64()
    );
}

fn fail(message: &str) -> ! {
    eprintln!("bench-cloudtrail: {message}");
    std::process::exit(2)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// pare's own path: the scan `--cloudtrail` and `pare usage` run, then every
/// principal's usage through the event table, as `pare usage` writes it.
fn pare_scan(paths: &[PathBuf]) -> u64 {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = pare_cli::Io::buffers(b"", &mut out, &mut err);
    let scan = pare_cli::cloudtrail::scan(paths, None, &mut io)
        .unwrap_or_else(|e| fail(&format!("scan: {}", e.chain())));
    let events = pare_catalog::events();
    let file = pare_engine::usage::UsageFile::from_scan(
        &scan.trail,
        scan.files as u64,
        &events,
        pare_catalog::embedded(),
    );
    std::hint::black_box(file.principals.len());
    scan.trail.events()
}

#[derive(Deserialize)]
struct FloorFile<'a> {
    #[serde(borrow, rename = "Records")]
    records: Vec<FloorRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FloorRecord<'a> {
    #[serde(borrow)]
    event_time: Cow<'a, str>,
    #[serde(borrow)]
    event_source: Cow<'a, str>,
    #[serde(borrow)]
    event_name: Cow<'a, str>,
    #[serde(borrow)]
    aws_region: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    recipient_account_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user_identity: Option<FloorIdentity<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FloorIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    session_context: Option<FloorContext<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FloorContext<'a> {
    #[serde(borrow)]
    session_issuer: Option<FloorIssuer<'a>>,
}

#[derive(Deserialize)]
struct FloorIssuer<'a> {
    #[serde(borrow)]
    arn: Option<Cow<'a, str>>,
}

/// The floor: every file read, inflated and deserialized on `threads`
/// threads, each record touched; returns how many records.
fn floor_scan(dir: &Path, threads: usize) -> usize {
    let mut files = Vec::new();
    collect(dir, &mut files);
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut sink = 0usize;
                let mut count = 0usize;
                while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let bytes = std::fs::read(path).unwrap_or_default();
                    let mut json = Vec::new();
                    let _ = std::io::Read::read_to_end(
                        &mut flate2::read::MultiGzDecoder::new(bytes.as_slice()),
                        &mut json,
                    );
                    let Ok(file) = serde_json::from_slice::<FloorFile<'_>>(&json) else {
                        continue;
                    };
                    for r in &file.records {
                        let who = r
                            .user_identity
                            .as_ref()
                            .and_then(|u| {
                                u.session_context
                                    .as_ref()
                                    .and_then(|c| c.session_issuer.as_ref())
                                    .and_then(|i| i.arn.as_deref())
                                    .or(u.arn.as_deref())
                                    .or(u.kind.as_deref())
                            })
                            .unwrap_or("");
                        sink = sink.wrapping_add(
                            r.event_time.len()
                                + r.event_source.len()
                                + r.event_name.len()
                                + who.len()
                                + r.aws_region.as_deref().map_or(0, str::len)
                                + r.error_code.as_deref().map_or(0, str::len)
                                + r.recipient_account_id.as_deref().map_or(0, str::len),
                        );
                        count += 1;
                    }
                }
                std::hint::black_box(sink);
                total.fetch_add(count, Ordering::Relaxed);
            });
        }
    });
    total.load(Ordering::Relaxed)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const REGIONS: &[&str] = &["us-east-1", "us-east-2", "eu-west-1", "ap-southeast-2"];

/// Operations of realistic services, as CloudTrail names them.
const OPERATIONS: &[(&str, &str)] = &[
    ("s3.amazonaws.com", "GetObject"),
    ("s3.amazonaws.com", "PutObject"),
    ("s3.amazonaws.com", "ListObjectsV2"),
    ("s3.amazonaws.com", "ListBuckets"),
    ("s3.amazonaws.com", "HeadObject"),
    ("s3.amazonaws.com", "GetBucketLocation"),
    ("dynamodb.amazonaws.com", "GetItem"),
    ("dynamodb.amazonaws.com", "PutItem"),
    ("dynamodb.amazonaws.com", "Query"),
    ("dynamodb.amazonaws.com", "DescribeTable"),
    ("lambda.amazonaws.com", "GetFunction20150331v2"),
    ("lambda.amazonaws.com", "Invoke"),
    ("lambda.amazonaws.com", "ListFunctions20150331"),
    ("sqs.amazonaws.com", "SendMessage"),
    ("sqs.amazonaws.com", "ReceiveMessage"),
    ("sqs.amazonaws.com", "GetQueueAttributes"),
    ("sns.amazonaws.com", "Publish"),
    ("kms.amazonaws.com", "Decrypt"),
    ("kms.amazonaws.com", "GenerateDataKey"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups"),
    ("ec2.amazonaws.com", "RunInstances"),
    ("iam.amazonaws.com", "GetRole"),
    ("iam.amazonaws.com", "ListRoles"),
    ("logs.amazonaws.com", "CreateLogStream"),
    ("logs.amazonaws.com", "PutLogEvents"),
    ("monitoring.amazonaws.com", "PutMetricData"),
    ("secretsmanager.amazonaws.com", "GetSecretValue"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("ecr.amazonaws.com", "GetAuthorizationToken"),
];

/// One record with the field layout of AWS's documented examples.
fn record(rng: &mut Rng, day: usize, out: &mut String) {
    let account = "123456789012";
    let principal = rng.below(40);
    let (source, name) = OPERATIONS
        .get(rng.below(OPERATIONS.len()))
        .copied()
        .unwrap_or(("s3.amazonaws.com", "GetObject"));
    let region = REGIONS
        .get(rng.below(REGIONS.len()))
        .copied()
        .unwrap_or("us-east-1");
    let second = rng.below(86_400);
    let time = format!(
        "2026-05-{:02}T{:02}:{:02}:{:02}Z",
        1 + day % 30,
        second / 3600,
        second / 60 % 60,
        second % 60
    );
    let identity = if principal < 30 {
        format!(
            r#"{{"type":"AssumedRole","principalId":"AROAEXAMPLE{principal:08}:session-{s}","arn":"arn:aws:sts::{account}:assumed-role/service-{principal}/session-{s}","accountId":"{account}","accessKeyId":"ASIAEXAMPLE{k:09}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLE{principal:08}","arn":"arn:aws:iam::{account}:role/app/service-{principal}","accountId":"{account}","userName":"service-{principal}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{time}","mfaAuthenticated":"false"}}}}}}"#,
            s = rng.below(1000),
            k = rng.below(1_000_000_000),
        )
    } else if principal < 38 {
        format!(
            r#"{{"type":"IAMUser","principalId":"AIDAEXAMPLE{principal:08}","arn":"arn:aws:iam::{account}:user/user-{principal}","accountId":"{account}","accessKeyId":"AKIAEXAMPLE{k:09}","userName":"user-{principal}"}}"#,
            k = rng.below(1_000_000_000),
        )
    } else {
        r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#.to_string()
    };
    let error = if rng.below(50) == 0 {
        r#","errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation because no identity-based policy allows it""#
    } else {
        ""
    };
    out.push_str(&format!(
        r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"{time}","eventSource":"{source}","eventName":"{name}","awsRegion":"{region}","sourceIPAddress":"198.51.100.{ip}","userAgent":"aws-sdk-java/2.25.11 Linux/5.10.215-203.850.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard","requestParameters":{{"bucketName":"example-bucket-{b}","key":"data/2026/05/part-{p:06}.parquet","Host":"example-bucket-{b}.s3.{region}.amazonaws.com","x-id":"{name}"}},"responseElements":null,"additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"EXAMPLEid2EXAMPLEid2EXAMPLE=","bytesTransferredOut":{bytes}}},"requestID":"EXAMPLE{r:012}","eventID":"00000000-0000-4000-8000-{e:012}","readOnly":true,"resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-bucket-{b}/data/2026/05/part-{p:06}.parquet"}}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{account}","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"example-bucket-{b}.s3.{region}.amazonaws.com"}}{error}}}"#,
        ip = rng.below(250),
        b = rng.below(20),
        p = rng.below(1_000_000),
        bytes = rng.below(10_000_000),
        r = rng.below(1_000_000_000),
        e = rng.next() % 1_000_000_000_000,
    ));
}

/// Writes `files` gzipped log files of `events` records each under `dir`, in
/// S3's layout; returns (gzipped bytes, JSON bytes).
fn generate(dir: &Path, files: usize, events: usize) -> (u64, u64) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut compressed, mut raw) = (0u64, 0u64);
    for n in 0..files {
        let day = n % 30;
        let region = REGIONS
            .get(n % REGIONS.len())
            .copied()
            .unwrap_or("us-east-1");
        let sub = dir
            .join("123456789012/CloudTrail")
            .join(region)
            .join(format!("2026/05/{:02}", day + 1));
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| fail(&format!("{e}")));
        let mut json = String::from(r#"{"Records":["#);
        for i in 0..events {
            if i > 0 {
                json.push(',');
            }
            record(&mut rng, day, &mut json);
        }
        json.push_str("]}");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = encoder.write_all(json.as_bytes());
        let gz = encoder.finish().unwrap_or_default();
        raw += json.len() as u64;
        compressed += gz.len() as u64;
        let name = format!(
            "123456789012_CloudTrail_{region}_202605{:02}T0000Z_{n:016}.json.gz",
            day + 1
        );
        std::fs::write(sub.join(name), gz).unwrap_or_else(|e| fail(&format!("{e}")));
    }
    (compressed, raw)
}
