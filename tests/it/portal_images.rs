//! Photos through the API: upright whatever the EXIF orientation, no metadata left, and the
//! files that are refused (with what the candidate had uploaded before left alone).

use crate::helpers::{Backend, on_both_databases};
use crate::photos::{
    UPRIGHT, contains, corners, decode, gps_latitude, markers, oversized_jpeg, photo_with_metadata,
    pixel_flood_png, quadrant_jpeg, small_jpeg, stored_corners, truncated_jpeg, with_exif,
};
use crate::portal_client::{LI_MING, Portal, demo_app, id_of, image_ids, material};

on_both_databases!(
    every_exif_orientation_comes_out_upright,
    no_metadata_survives_an_upload,
    refused_files_say_why_and_leave_earlier_uploads_alone,
    a_material_takes_no_more_than_its_maximum_number_of_images,
);

async fn every_exif_orientation_comes_out_upright(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    for orientation in 1..=8 {
        let (w, h) = if orientation >= 5 { (48, 64) } else { (64, 48) };
        let input = with_exif(
            &quadrant_jpeg(w, h, stored_corners(orientation)),
            orientation,
        );

        let image = portal.upload_ok("id_card", input).await;

        assert_eq!(
            (image["width"].as_u64(), image["height"].as_u64()),
            (Some(64), Some(48)),
            "orientation {orientation}: {image}"
        );
        for key in ["url", "thumb_url"] {
            let reply = portal.get(image[key].as_str().unwrap()).await.expect(200);
            let (w, h, rgb) = decode(&reply.bytes);
            assert_eq!((w, h), (64, 48), "{key}, orientation {orientation}");
            assert_eq!(
                corners(w, h, &rgb),
                UPRIGHT,
                "{key}, orientation {orientation}"
            );
        }
        portal.delete(&id_of(&image)).await.expect(204);
    }
}

async fn no_metadata_survives_an_upload(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    let input = photo_with_metadata();
    assert!(contains(&input, &gps_latitude()) && contains(&input, b"taken at home"));

    let image = portal.upload_ok("id_card", input).await;

    for key in ["url", "thumb_url"] {
        let stored = portal
            .get(image[key].as_str().unwrap())
            .await
            .expect(200)
            .bytes;
        let found = markers(&stored);
        assert!(
            !found.contains(&0xE1),
            "{key}: an APP1 (Exif/XMP) segment is left"
        );
        assert!(!found.contains(&0xFE), "{key}: a comment segment is left");
        for needle in [
            &b"Exif"[..],
            b"GPS",
            b"xmpmeta",
            b"taken at home",
            &gps_latitude(),
        ] {
            assert!(!contains(&stored, needle), "{key} still holds {needle:?}");
        }
        let (w, h, _) = decode(&stored);
        assert_eq!((w, h), (64, 48), "{key}");
    }
}

async fn refused_files_say_why_and_leave_earlier_uploads_alone(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    let kept = id_of(&portal.upload_ok("id_card", small_jpeg()).await);

    // A text file renamed to .jpg: refused by what it holds, naming the accepted formats.
    let error = portal
        .upload(
            "id_card",
            b"just some notes, saved as photo.jpg".to_vec(),
            "photo.jpg",
        )
        .await
        .expect(415)
        .error();
    for format in ["JPEG", "PNG", "WebP"] {
        assert!(error.contains(format), "{error}");
    }
    only_the_first_is_listed(&portal, &kept).await;

    portal
        .upload("id_card", truncated_jpeg(), "broken.jpg")
        .await
        .expect(422)
        .error();
    only_the_first_is_listed(&portal, &kept).await;

    let flood = portal
        .upload("student_status", pixel_flood_png(), "huge.png")
        .await
        .expect(422)
        .error();
    assert!(
        flood.contains("20000"),
        "says how big it claimed to be: {flood}"
    );
    only_the_first_is_listed(&portal, &kept).await;

    portal
        .upload("id_card", Vec::new(), "empty.jpg")
        .await
        .expect(422)
        .error();
    only_the_first_is_listed(&portal, &kept).await;

    let too_big = portal
        .upload("id_card", oversized_jpeg(21 * 1024 * 1024), "big.jpg")
        .await
        .expect(413)
        .error();
    assert!(too_big.contains("20"), "says the limit: {too_big}");
    only_the_first_is_listed(&portal, &kept).await;

    // A material this candidate's category does not have, or that does not exist.
    for code in ["hukou_book", "no_such_material"] {
        portal.upload(code, small_jpeg(), "a.jpg").await.expect(404);
    }
    only_the_first_is_listed(&portal, &kept).await;
}

async fn only_the_first_is_listed(portal: &Portal, kept: &str) {
    let me = portal.me().await;
    assert_eq!(image_ids(&me, "id_card"), [kept]);
    assert!(image_ids(&me, "student_status").is_empty());
}

async fn a_material_takes_no_more_than_its_maximum_number_of_images(backend: Backend) {
    let app = demo_app(backend).await;
    let portal = Portal::candidate(&app, &LI_MING).await;
    let me = portal.me().await;
    let max = material(&me, "student_status")["max_images"]
        .as_u64()
        .unwrap();
    let photo = small_jpeg();
    for _ in 0..max {
        portal.upload_ok("student_status", photo.clone()).await;
    }
    assert_eq!(
        image_ids(&portal.me().await, "student_status").len() as u64,
        max
    );

    portal
        .upload("student_status", photo.clone(), "one-more.jpg")
        .await
        .expect(409)
        .error();
    assert_eq!(
        image_ids(&portal.me().await, "student_status").len() as u64,
        max
    );

    // Deleting one makes room again.
    let first = image_ids(&portal.me().await, "student_status").remove(0);
    portal.delete(&first).await.expect(204);
    portal.upload_ok("student_status", photo).await;
}
