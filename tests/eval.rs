//! `takedown eval images|titles`: the documented CSV contract, on the sample's own images.

use std::{collections::BTreeMap, path::Path, process::Command};

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
