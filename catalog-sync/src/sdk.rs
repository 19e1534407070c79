//! The AWS SDK's service metadata for the CloudTrail event table: each boto3
//! client's `endpointPrefix` and `signingName`, read from botocore's wheel.
//!
//! botocore is AWS's own Python SDK core; its wheel on PyPI is one versioned
//! file whose SHA-256 PyPI publishes, holding every service model
//! (`botocore/data/<client>/<api-version>/service-2.json[.gz]`). The sync
//! reads PyPI's JSON description of the newest release, fetches the wheel it
//! names, checks the digest, and reads the `metadata` of each client's newest
//! model. A local wheel or the minimized copy (`.json`) serve offline.

use std::collections::BTreeMap;
use std::io::Read;

use pare_catalog::events::{SdkClient, SdkMetadata, parse_sdk_metadata};
use reqwest::Url;
use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::fetch;
use crate::options::{FetchOptions, SdkSource};

/// The largest wheel accepted (botocore's is about 17 MiB).
const MAX_WHEEL_BYTES: u64 = 128 * 1024 * 1024;
/// The largest service model accepted, uncompressed (the largest, ec2, is
/// about 6 MiB): a zip or gzip bomb stops here.
const MAX_MODEL_BYTES: u64 = 64 * 1024 * 1024;
/// The most entries a wheel may have.
const MAX_ENTRIES: usize = 100_000;
/// Where PyPI serves files; the JSON description may name only this origin
/// (or its own, for a mirror or a test server).
const PYPI_FILES: &str = "https://files.pythonhosted.org";

/// Reads the SDK metadata from `source`.
pub(crate) async fn load(source: &SdkSource, options: &FetchOptions) -> Result<SdkMetadata, Error> {
    match source {
        SdkSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
            if path.extension().is_some_and(|e| e == "whl") {
                read_wheel(&bytes, &path.display().to_string())
            } else {
                parse_sdk_metadata(&bytes, &path.display().to_string()).map_err(sdk_error)
            }
        }
        SdkSource::Url(url) => fetch_wheel(url, options).await,
    }
}

fn sdk_error(err: pare_catalog::Error) -> Error {
    Error::new(ErrorKind::Sdk, err.message().to_owned())
}

fn malformed(message: String) -> Error {
    Error::new(ErrorKind::Sdk, message)
}

async fn fetch_wheel(json_url: &Url, options: &FetchOptions) -> Result<SdkMetadata, Error> {
    let client = fetch::client(options)?;
    let description = fetch::get(&client, json_url, options, "the SDK's description").await?;
    let description: PypiRelease = serde_json::from_slice(&description).map_err(|e| {
        malformed(format!(
            "`{json_url}` is not PyPI's JSON description of a release: {e}"
        ))
    })?;
    let wheel = description
        .urls
        .iter()
        .find(|f| f.packagetype == "bdist_wheel" && f.filename.ends_with("-py3-none-any.whl"))
        .ok_or_else(|| {
            malformed(format!(
                "`{json_url}` lists no `py3-none-any` wheel for version `{}`",
                description.info.version.escape_debug()
            ))
        })?;
    let wheel_url = json_url.join(&wheel.url).map_err(|e| {
        malformed(format!(
            "`{json_url}` gives the wheel url `{}`: {e}",
            wheel.url
        ))
    })?;
    let origin = wheel_url.origin().ascii_serialization();
    if origin != json_url.origin().ascii_serialization() && origin != PYPI_FILES {
        return Err(malformed(format!(
            "`{json_url}` puts the wheel at `{wheel_url}`, off its own origin and off `{PYPI_FILES}`"
        )));
    }
    let mut wheel_options = options.clone();
    wheel_options.max_body_bytes = wheel_options.max_body_bytes.max(MAX_WHEEL_BYTES);
    let bytes = fetch::get(&client, &wheel_url, &wheel_options, "the SDK wheel").await?;
    let digest = sha256_hex(&bytes);
    if !digest.eq_ignore_ascii_case(&wheel.digests.sha256) {
        return Err(malformed(format!(
            "the wheel `{wheel_url}` has SHA-256 `{digest}`, but `{json_url}` gives `{}`",
            wheel.digests.sha256.escape_debug()
        )));
    }
    let metadata = read_wheel(&bytes, wheel_url.as_str())?;
    if metadata.version != description.info.version {
        return Err(malformed(format!(
            "the wheel `{wheel_url}` holds version `{}`, but `{json_url}` describes `{}`",
            metadata.version,
            description.info.version.escape_debug()
        )));
    }
    Ok(metadata)
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the metadata of every client's newest service model from a botocore
/// wheel. `origin` names the wheel in messages.
pub fn read_wheel(bytes: &[u8], origin: &str) -> Result<SdkMetadata, Error> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| malformed(format!("`{origin}` is not a wheel (a zip archive): {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(malformed(format!(
            "`{origin}` has {} entries, more than the {MAX_ENTRIES} a wheel may have",
            archive.len()
        )));
    }
    let mut version: Option<String> = None;
    // client -> (api version, entry name), the newest version kept.
    let mut models: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut names = Vec::with_capacity(archive.len());
    for name in archive.file_names() {
        let name =
            name.map_err(|e| malformed(format!("`{origin}` has an unreadable entry name: {e}")))?;
        names.push(name.into_owned());
    }
    for name in &names {
        if let Some(dist) = name
            .strip_suffix(".dist-info/METADATA")
            .and_then(|d| d.strip_prefix("botocore-"))
        {
            version = Some(dist.to_owned());
        }
        let Some(rest) = name.strip_prefix("botocore/data/") else {
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let [client, api_version, file] = parts.as_slice() else {
            continue;
        };
        if *file != "service-2.json" && *file != "service-2.json.gz" {
            continue;
        }
        let newer = models
            .get(*client)
            .is_none_or(|(known, _)| api_version > &known.as_str());
        if newer {
            models.insert(
                (*client).to_owned(),
                ((*api_version).to_owned(), name.clone()),
            );
        }
    }
    let version =
        version.ok_or_else(|| malformed(format!("`{origin}` has no `botocore-*.dist-info`")))?;
    if models.is_empty() {
        return Err(malformed(format!(
            "`{origin}` holds no `botocore/data/*/*/service-2.json`"
        )));
    }
    let mut clients = Vec::with_capacity(models.len());
    for (client, (api_version, entry)) in models {
        let mut file = archive
            .by_name(&entry)
            .map_err(|e| malformed(format!("`{origin}`: cannot read `{entry}`: {e}")))?;
        let mut raw = Vec::new();
        (&mut file)
            .take(MAX_MODEL_BYTES + 1)
            .read_to_end(&mut raw)
            .map_err(|e| malformed(format!("`{origin}`: cannot read `{entry}`: {e}")))?;
        let json = if entry.ends_with(".gz") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice())
                .take(MAX_MODEL_BYTES + 1)
                .read_to_end(&mut out)
                .map_err(|e| malformed(format!("`{origin}`: cannot decompress `{entry}`: {e}")))?;
            out
        } else {
            raw
        };
        if json.len() as u64 > MAX_MODEL_BYTES {
            return Err(malformed(format!(
                "`{origin}`: `{entry}` is larger than {MAX_MODEL_BYTES} bytes"
            )));
        }
        let model: Model = serde_json::from_slice(&json)
            .map_err(|e| malformed(format!("`{origin}`: `{entry}` is not a service model: {e}")))?;
        clients.push(SdkClient {
            name: client,
            api_version,
            endpoint_prefix: model.metadata.endpoint_prefix,
            signing_name: model.metadata.signing_name,
        });
    }
    SdkMetadata::new("botocore", &version, &sha256_hex(bytes), clients).map_err(sdk_error)
}

#[derive(Deserialize)]
struct PypiRelease {
    info: PypiInfo,
    urls: Vec<PypiFile>,
}

#[derive(Deserialize)]
struct PypiInfo {
    version: String,
}

#[derive(Deserialize)]
struct PypiFile {
    filename: String,
    packagetype: String,
    url: String,
    digests: PypiDigests,
}

#[derive(Deserialize)]
struct PypiDigests {
    sha256: String,
}

#[derive(Deserialize)]
struct Model {
    metadata: ModelMetadata,
}

#[derive(Deserialize)]
struct ModelMetadata {
    #[serde(rename = "endpointPrefix")]
    endpoint_prefix: String,
    #[serde(rename = "signingName", default)]
    signing_name: Option<String>,
}
