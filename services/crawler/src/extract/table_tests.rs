//! CSV and XLSX exhibitor lists.

use std::io::Write;

use super::*;

#[test]
fn csv_with_english_headers_title_rows_and_a_bad_row() {
    let csv = "Exhibitor list 2026,,,\n\
               Company Name,Hall,Booth No.,Products,Product image\n\
               Foo Ltd,3,B12,\"Cap, Bag\",/img/1.jpg /img/2.jpg\n\
               ,3,B13,Belt,\n\
               \n\
               Bar Co,,C1,,\n";
    let table = exhibitors_from_csv(csv.as_bytes()).expect("csv");
    assert_eq!(
        table.rows,
        vec![
            ExhibitorRow {
                row: 3,
                company: "Foo Ltd".into(),
                booth: "B12".into(),
                hall: Some("3".into()),
                products: vec!["Cap".into(), "Bag".into()],
                image_urls: vec!["/img/1.jpg".into(), "/img/2.jpg".into()],
            },
            ExhibitorRow {
                row: 6,
                company: "Bar Co".into(),
                booth: "C1".into(),
                hall: None,
                products: vec![],
                image_urls: vec![],
            },
        ]
    );
    assert_eq!(
        table.errors,
        vec![RowError {
            row: 4,
            reason: "no company name".into()
        }]
    );
}

#[test]
fn csv_with_chinese_headers_bom_and_semicolons() {
    let csv = "\u{feff}公司名称;展位号;展品;图片\n深圳某某科技有限公司;5.2F15;蓝牙耳机、充电宝;http://x.test/a.jpg\n";
    let table = exhibitors_from_csv(csv.as_bytes()).expect("csv");
    assert_eq!(table.rows.len(), 1);
    let row = &table.rows[0];
    assert_eq!(row.company, "深圳某某科技有限公司");
    assert_eq!(row.booth, "5.2F15");
    assert_eq!(row.products, vec!["蓝牙耳机", "充电宝"]);
    assert_eq!(row.image_urls, vec!["http://x.test/a.jpg"]);
}

#[test]
fn csv_row_that_is_not_utf8_is_reported_and_the_rest_read() {
    let mut csv = b"Exhibitor,Stand\nGood Co,A1\n".to_vec();
    csv.extend_from_slice(b"Bad \xff Co,A2\nNext Co,A3\n");
    let table = exhibitors_from_csv(&csv).expect("csv");
    let names: Vec<_> = table.rows.iter().map(|r| r.company.as_str()).collect();
    assert_eq!(names, vec!["Good Co", "Next Co"]);
    assert_eq!(table.errors.len(), 1);
    assert_eq!(table.errors[0].row, 3);
    assert!(
        table.errors[0].reason.contains("column 1"),
        "{:?}",
        table.errors
    );
}

#[test]
fn tables_without_a_company_column_or_over_the_cap_are_refused() {
    assert!(matches!(
        exhibitors_from_csv(b"Size,Colour\nM,red\n"),
        Err(TableError::NoHeader)
    ));
    let big = vec![b'a'; MAX_TABLE_BYTES + 1];
    assert!(matches!(
        exhibitors_from_csv(&big),
        Err(TableError::TooLarge { .. })
    ));
    assert!(matches!(
        exhibitors_from_xlsx(b"not a zip"),
        Err(TableError::Xlsx(_))
    ));
}

#[test]
fn header_roles_in_both_languages() {
    let cases = [
        ("Exhibitor", Some(Role::Company)),
        ("展商", Some(Role::Company)),
        ("Stand", Some(Role::Booth)),
        ("Hall/Booth", Some(Role::Booth)),
        ("展馆", Some(Role::Hall)),
        ("Exhibited products", Some(Role::Products)),
        ("产品", Some(Role::Products)),
        ("Product image", Some(Role::Image)),
        ("Remarks", None),
    ];
    for (header, role) in cases {
        assert_eq!(role_of(header), role, "{header}");
    }
}

/// A minimal XLSX (inline strings, one sheet) as Excel and LibreOffice read it.
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let col = char::from(b'A' + c as u8);
            sheet.push_str(&format!(
                r#"<c r="{col}{}" t="inlineStr"><is><t>{cell}</t></is></c>"#,
                r + 1
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Exhibitors" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

#[test]
fn xlsx_that_inflates_past_the_cap_is_refused_before_parsing() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("zip entry");
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..=(MAX_XLSX_INFLATED_BYTES / (1024 * 1024)) {
        zip.write_all(&zeros).expect("zip write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    assert!(bytes.len() < MAX_TABLE_BYTES, "{}", bytes.len());
    assert!(matches!(
        exhibitors_from_xlsx(&bytes),
        Err(TableError::Inflates { .. })
    ));
}

#[test]
fn xlsx_first_sheet_with_chinese_headers() {
    let bytes = xlsx(&[
        &["参展商", "展位", "产品", "图片"],
        &["Foo Ltd", "1.1A01", "Cap; Bag", "https://x.test/f.jpg"],
        &["", "1.1A02", "Belt", ""],
        &["Bar Co", "1.1A03", "", ""],
    ]);
    let table = exhibitors_from_xlsx(&bytes).expect("xlsx");
    let got: Vec<_> = table
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.company.as_str(),
                r.booth.as_str(),
                r.products.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                2,
                "Foo Ltd",
                "1.1A01",
                vec!["Cap".to_owned(), "Bag".to_owned()]
            ),
            (4, "Bar Co", "1.1A03", vec![]),
        ]
    );
    assert_eq!(table.rows[0].image_urls, vec!["https://x.test/f.jpg"]);
    assert_eq!(
        table.errors,
        vec![RowError {
            row: 3,
            reason: "no company name".into()
        }]
    );
}
