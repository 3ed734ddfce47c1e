//! `takedown eval images|titles`: the documented CSV contract, on the sample's own images.

use std::{
    collections::BTreeMap,
    io::Cursor,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

fn read_predictions(path: &Path) -> BTreeMap<String, Vec<(String, f32)>> {
    let mut reader = csv::Reader::from_path(path).expect("predictions");
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(headers.get(1), Some("right_id"));
    assert_eq!(headers.get(2), Some("score"));
    let mut out: BTreeMap<String, Vec<(String, f32)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("row");
        let entry = out.entry(record[0].to_owned()).or_default();
        if !record[1].is_empty() {
            entry.push((record[1].to_owned(), record[2].parse().expect("score")));
        }
    }
    out
}

#[test]
fn eval_images_finds_the_planted_copies_and_nothing_in_clean_photos() {
    let sample = takedown_sample::generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let owner = sample
        .write_owner_files(&dir.path().join("rights"))
        .expect("owner files");
    let rights_dir = owner.parent().expect("dir");
    let mut rights = String::from("right_id,file\n");
    for right in &sample.owner.rights {
        for image in &right.images {
            rights.push_str(&format!("{},{}\n", right.id, image.file));
        }
    }
    std::fs::write(rights_dir.join("rights.csv"), rights).expect("rights.csv");

    // Planted copies and clean listings' photos, named by what they must match.
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(&queries).expect("mkdir");
    let mut expected = BTreeMap::new();
    for listing in sample.expected.iter().filter(|e| e.source == "market") {
        let image_right = listing
            .expected_rights
            .iter()
            .find(|r| *r != "r-velotrax-word" && *r != "r-yunbao-word");
        let wanted = match (listing.case, image_right) {
            ("clean", _) => None,
            (_, Some(right)) => Some(right.clone()),
            _ => continue,
        };
        let item = listing.url_path.rsplit('/').next().expect("item number");
        let prefix = format!("/market/img/item-{item}-");
        for path in sample.site.paths().filter(|p| p.starts_with(&prefix)) {
            let (_, bytes) = sample.site.get(path).expect("image");
            let name = path.rsplit('/').next().expect("file name").to_owned();
            std::fs::write(queries.join(&name), bytes).expect("write query");
            expected.insert(name, wanted.clone());
        }
    }
    assert!(expected.values().filter(|w| w.is_some()).count() >= 6);
    assert!(expected.values().filter(|w| w.is_none()).count() >= 10);

    let out = dir.path().join("predictions.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["eval", "images", "--rights"])
        .arg(rights_dir.join("rights.csv"))
        .arg("--queries")
        .arg(&queries)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run eval images");
    assert!(status.success());
    let predictions = read_predictions(&out);
    assert_eq!(
        predictions.len(),
        expected.len(),
        "one or more rows per query file"
    );
    for (file, wanted) in &expected {
        let got: Vec<&str> = predictions[file].iter().map(|(r, _)| r.as_str()).collect();
        match wanted {
            Some(right) => assert_eq!(got, vec![right.as_str()], "{file}"),
            None => assert!(got.is_empty(), "clean photo {file} matched {got:?}"),
        }
    }
}

#[test]
fn eval_titles_scores_variants_and_leaves_lookalike_words_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marks = dir.path().join("marks.csv");
    std::fs::write(
        &marks,
        "right_id,text\nr-velotrax,VELOTRAX\nr-yunbao,云豹\n",
    )
    .expect("marks");
    let titles = dir.path().join("titles.csv");
    std::fs::write(
        &titles,
        "title\nVELOTRAX trail shoe\nVelotrx running jacket\nV E L O T R A X windbreaker\n云暴 运动鞋\nVelvet tracksuit\n豹纹围巾\n",
    )
    .expect("titles");
    let out = dir.path().join("predictions.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["eval", "titles", "--rights"])
        .arg(&marks)
        .arg("--titles")
        .arg(&titles)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("run eval titles");
    assert!(status.success());
    let p = read_predictions(&out);
    assert_eq!(p.len(), 6);
    // Scores are the calibrated precision of the variant kind (written with 4 decimals).
    let calibrated = |variant, distance| takedown_matching::text_score_for(variant, distance);
    let exact = &p["VELOTRAX trail shoe"];
    assert_eq!(exact.len(), 1);
    assert_eq!(exact[0].0, "r-velotrax");
    assert!(
        (exact[0].1 - calibrated("exact", 0)).abs() < 1e-4,
        "{exact:?}"
    );
    let misspelled = &p["Velotrx running jacket"];
    assert_eq!(misspelled.len(), 1);
    assert!(
        misspelled[0].1 < 1.0 && (misspelled[0].1 - calibrated("edit_distance", 1)).abs() < 1e-4,
        "{misspelled:?}"
    );
    assert_eq!(p["V E L O T R A X windbreaker"][0].0, "r-velotrax");
    assert_eq!(p["云暴 运动鞋"][0].0, "r-yunbao");
    assert!(p["Velvet tracksuit"].is_empty());
    assert!(p["豹纹围巾"].is_empty());
}

/// The sample owner's images written out with a `rights.csv` (`right_id,file`) beside them;
/// returns the CSV's path.
fn write_rights_csv(sample: &takedown_sample::SampleData, dir: &Path) -> PathBuf {
    let owner = sample.write_owner_files(dir).expect("owner files");
    let rights_dir = owner.parent().expect("dir");
    let mut rights = String::from("right_id,file\n");
    for right in &sample.owner.rights {
        for image in &right.images {
            rights.push_str(&format!("{},{}\n", right.id, image.file));
        }
    }
    let csv = rights_dir.join("rights.csv");
    std::fs::write(&csv, rights).expect("rights.csv");
    csv
}

/// `takedown eval images`, killed if it has not finished in `limit` (a FIFO once hung it),
/// under a 768 MiB address-space limit (a 1 GiB file was once read whole).
fn eval_images_bounded(rights: &Path, queries: &Path, out: &Path, limit: Duration) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 786432 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_takedown"))
        .args(["eval", "images", "--rights"])
        .arg(rights)
        .arg("--queries")
        .arg(queries)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run eval images");
    let started = Instant::now();
    while child.try_wait().expect("try_wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("eval images did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// (right_id, score, error) rows per query file, checking the column order.
fn read_rows(path: &Path) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut reader = csv::Reader::from_path(path).expect("predictions");
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        ["query_file", "right_id", "score", "error", "evidence"]
    );
    let mut out: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("row");
        out.entry(record[0].to_owned()).or_default().push((
            record[1].to_owned(),
            record[2].to_owned(),
            record[3].to_owned(),
        ));
    }
    out
}

/// Regression for issue 21 findings 4 and 5: files that must not be read whole, or at all,
/// and JPEGs that are cut or damaged, are each one row naming the error (never a match, never
/// a plain no-match row), the run stays small and quick, and the summary counts them apart.
#[cfg(unix)]
#[test]
fn eval_images_reports_unreadable_cut_and_corrupt_files_as_errors() {
    let sample = takedown_sample::generate();
    let dir = tempfile::tempdir().expect("tempdir");
    let rights = write_rights_csv(&sample, &dir.path().join("rights"));
    let queries = dir.path().join("queries");
    std::fs::create_dir_all(queries.join("sub")).expect("mkdir");

    // A registered image, as baseline and as progressive JPEG: whole, each must match.
    let right = sample
        .owner
        .rights
        .iter()
        .find(|r| !r.images.is_empty())
        .expect("a right with images");
    let png = std::fs::read(rights.parent().expect("dir").join(&right.images[0].file))
        .expect("registered image");
    let picture = image::load_from_memory(&png).expect("decode").to_rgb8();
    let mut baseline = Vec::new();
    image::DynamicImage::ImageRgb8(picture.clone())
        .write_to(&mut Cursor::new(&mut baseline), image::ImageFormat::Jpeg)
        .expect("baseline");
    let mut progressive = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 90);
    encoder.set_progressive(true);
    encoder
        .encode(
            picture.as_raw(),
            u16::try_from(picture.width()).expect("width"),
            u16::try_from(picture.height()).expect("height"),
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("progressive");
    let write = |name: &str, bytes: &[u8]| std::fs::write(queries.join(name), bytes).expect(name);
    write("whole-baseline.jpg", &baseline);
    write("whole-progressive.jpg", &progressive);
    let mut broken = Vec::new();
    for percent in [10, 50, 90] {
        let name = format!("cut{percent}-baseline.jpg");
        write(&name, &baseline[..baseline.len() * percent / 100]);
        broken.push((name, "truncated"));
    }
    for percent in [5, 50] {
        let name = format!("cut{percent}-progressive.jpg");
        write(&name, &progressive[..progressive.len() * percent / 100]);
        broken.push((name, "truncated"));
    }
    let mut corrupt = baseline.clone();
    let start = corrupt.len() / 3;
    let end = (start + 2000).min(corrupt.len() - 2);
    let mut state: u32 = 7;
    for byte in &mut corrupt[start..end] {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *byte = (state >> 16) as u8;
    }
    write("corrupt-baseline.jpg", &corrupt);
    broken.push(("corrupt-baseline.jpg".into(), "corrupt"));

    // A sparse 1 GiB file, a symlink to /dev/zero, a FIFO, and a symlink loop.
    std::fs::File::create(queries.join("huge.jpg"))
        .expect("create")
        .set_len(1 << 30)
        .expect("sparse 1 GiB");
    broken.push(("huge.jpg".into(), "is larger than 20 MiB"));
    std::os::unix::fs::symlink("/dev/zero", queries.join("zero.jpg")).expect("symlink");
    broken.push(("zero.jpg".into(), "is a symlink to outside the folder"));
    let fifo = queries.join("pipe.jpg");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    broken.push(("pipe.jpg".into(), "is not a regular file (a FIFO)"));
    write("sub/copy.jpg", &baseline);
    std::os::unix::fs::symlink(&queries, queries.join("sub/loop")).expect("symlink loop");

    let out = dir.path().join("predictions.csv");
    let output = eval_images_bounded(&rights, &queries, &out, Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let rows = read_rows(&out);

    for whole in [
        "whole-baseline.jpg",
        "whole-progressive.jpg",
        "sub/copy.jpg",
    ] {
        let got = &rows[whole];
        assert!(
            got.iter().any(|(r, _, e)| r == &right.id && e.is_empty()),
            "{whole} must match {}: {got:?}",
            right.id
        );
    }
    for (name, reason) in &broken {
        let got = &rows[name.as_str()];
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        let (right_id, score, error) = &got[0];
        assert!(
            right_id.is_empty() && score == "0",
            "{name} matched: {got:?}"
        );
        assert!(
            error.contains(reason),
            "{name}: error {error:?} lacks {reason:?}"
        );
    }
    // The loop is not walked: each file once, nothing below `sub/loop`.
    assert_eq!(rows.len(), broken.len() + 3, "{:?}", rows.keys());
    assert!(rows.keys().all(|k| !k.starts_with("sub/loop")));
    let summary = format!(
        "{} queries, 3 matched, {} could not be read",
        broken.len() + 3,
        broken.len()
    );
    assert!(stderr.contains(&summary), "{stderr}");
}
