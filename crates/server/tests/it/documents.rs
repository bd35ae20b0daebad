//! Documents in the real binary: the demo's documents are extracted in the background and
//! found without diacritics at the right page; after `kill -9` and the index thrown away,
//! `daihoi docs reindex` rebuilds it and the served search finds the same.

use std::time::Duration;

use daihoi_testkit::{Client, StatusCode, eventually};

use crate::cli::{Server, daihoi, run};

/// The search hit for the demo's test phrase: (title, page).
async fn hit(c: &Client) -> Option<(String, u64)> {
    let p = c
        .get("/api/v1/documents/search?q=chuyen%20doi%20so%20toan%20dien")
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let v = p.json();
    let h = v["hits"].get(0)?;
    Some((h["title"].as_str()?.to_string(), h["page"].as_u64()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_documents_are_found_and_the_index_rebuilds_after_kill_9() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let mut server = Server::start("demo", &data, tmp.path().join("demo.log")).await;
    let link = server.link("secretariat");
    let sec = Client::new(&server.base);
    sec.open_link(&link).await;
    // Every demo version is extracted (done), none failed.
    let states = eventually(Duration::from_secs(120), || async {
        let list = sec.get("/api/v1/documents").await.json();
        let states: Vec<String> = list
            .as_array()?
            .iter()
            .flat_map(|d| d["versions"].as_array().cloned().unwrap_or_default())
            .map(|v| v["state"].as_str().unwrap_or_default().to_string())
            .collect();
        (!states.is_empty() && states.iter().all(|s| s != "pending")).then_some(states)
    })
    .await
    .unwrap_or_else(|| panic!("extraction did not finish; log:\n{}", server.log()));
    assert!(states.iter().all(|s| s == "done"), "{states:?}");
    let found = eventually(Duration::from_secs(10), || hit(&sec)).await;
    assert_eq!(found, Some(("Báo cáo chính trị".to_string(), 4)));

    server.kill_9().await;
    std::fs::remove_dir_all(data.join("index")).expect("the index directory");
    let data_s = data.to_string_lossy().into_owned();
    let (code, out, err) = run(daihoi(&["docs", "reindex", "--data", &data_s])).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Reindexed 15 pages."), "{out}");

    let server = Server::start("serve", &data, tmp.path().join("serve.log")).await;
    // The demo's sign-in link, on the new port (the account is in the log).
    let (_, token) = link.split_once("/l/").expect("a device link");
    let sec = Client::new(&server.base);
    sec.open_link(&format!("{}/l/{token}", server.base)).await;
    let found = eventually(Duration::from_secs(10), || hit(&sec)).await;
    assert_eq!(found, Some(("Báo cáo chính trị".to_string(), 4)));
}
