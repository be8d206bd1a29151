//! `phonon plot`: the picture holds a rectangle for each event, where the event is: its x
//! from its start and end, its row from its sound or its pitch (higher notes higher), its
//! opacity from its gain; the PNG is the SVG drawn, with the event's colour where the event
//! is.

use std::process::Command;

const SRC: &str = "cps: 1\nd1: s \"bd*2 sn\" # gain \"1 0.5\"\no2: note \"c5 e5 g5\"\n";

/// The event rectangles: (output, row, begin, end, x, y, width, height, opacity).
fn events(svg: &str) -> Vec<(String, usize, String, String, [f64; 4], f64)> {
    svg.lines()
        .filter(|l| l.starts_with("<rect class=\"event\""))
        .map(|l| {
            let attr = |name: &str| {
                l.split(&format!(" {name}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or_else(|| panic!("{name} in {l}"))
                    .to_string()
            };
            let num = |name: &str| attr(name).parse::<f64>().unwrap();
            (
                attr("data-output"),
                attr("data-row").parse().unwrap(),
                attr("data-begin"),
                attr("data-end"),
                [num("x"), num("y"), num("width"), num("height")],
                num("fill-opacity"),
            )
        })
        .collect()
}

fn fraction(s: &str) -> f64 {
    match s.split_once('/') {
        Some((n, d)) => n.parse::<f64>().unwrap() / d.parse::<f64>().unwrap(),
        None => s.parse().unwrap(),
    }
}

#[test]
fn every_event_is_a_rectangle_where_it_plays() {
    let dir = std::env::temp_dir().join(format!("phonon-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.ph");
    std::fs::write(&file, SRC).unwrap();
    let (svg, png) = (dir.join("p.svg"), dir.join("p.png"));
    for out in [&svg, &png] {
        let o = Command::new(env!("CARGO_BIN_EXE_phonon"))
            .args(["plot", file.to_str().unwrap(), "--cycles", "2", "-o"])
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("2 outputs, 12 events"),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    let all = events(&text);
    assert_eq!(all.len(), 12);
    // The time axis: 150 px of labels, then 1030 px for the two cycles.
    for (_, _, begin, end, [x, _, w, _], _) in &all {
        let (b, e) = (fraction(begin), fraction(end));
        assert!(
            (x - (150.0 + b / 2.0 * 1030.0)).abs() < 0.01,
            "{begin} at {x}"
        );
        assert!(
            (x + w + 1.0 - (150.0 + e / 2.0 * 1030.0)).abs() < 0.01,
            "{end}"
        );
    }
    // Samples: bd on the first row, sn (gain 0.5: half opaque) on the second.
    let o1: Vec<_> = all.iter().filter(|e| e.0 == "o1").collect();
    assert_eq!(o1.len(), 6);
    let rows: Vec<(String, usize, f64)> = o1.iter().map(|e| (e.2.clone(), e.1, e.5)).collect();
    assert_eq!(
        rows,
        [
            ("0".to_string(), 0, 1.0),
            ("1/4".to_string(), 0, 1.0),
            ("1/2".to_string(), 1, 0.5),
            ("1".to_string(), 0, 1.0),
            ("5/4".to_string(), 0, 1.0),
            ("3/2".to_string(), 1, 0.5),
        ]
    );
    // Notes: every semitone from g5 (row 0) down to c5 (row 7).
    let o2: Vec<usize> = all.iter().filter(|e| e.0 == "o2").map(|e| e.1).collect();
    assert_eq!(o2, [7, 3, 0, 7, 3, 0]);
    assert!(text.contains(">g5</text>") && text.contains(">c5</text>"));

    // The PNG: the SVG's size, the event's colour in the middle of the first bd.
    let pixmap = resvg::tiny_skia::Pixmap::load_png(&png).unwrap();
    let height: f64 = text
        .split("height=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((pixmap.width(), pixmap.height() as f64), (1200, height));
    let [x, y, w, h] = o1[0].4;
    let p = pixmap
        .pixel((x + w / 2.0) as u32, (y + h / 2.0) as u32)
        .unwrap();
    assert_eq!((p.red(), p.green(), p.blue()), (0xff, 0x6b, 0x6b));
    // And the sn row below it, where nothing plays then, is not it.
    let gap = pixmap
        .pixel((x + w / 2.0) as u32, (y + h * 1.5 + 2.0) as u32)
        .unwrap();
    assert_ne!((gap.red(), gap.green(), gap.blue()), (0xff, 0x6b, 0x6b));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_output_name_is_an_error() {
    let o = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args(["plot", "\"bd sn\"", "-o", "x.jpg"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".svg or .png"));
}

/// `render --plot`: the waveform reaches the tone's level and no further, and the
/// spectrogram's brightest row is the tone's frequency. The layout is the module's:
/// a panel's waveform 80 px high from y = 50, its spectrogram 160 px high from y = 134, a
/// logarithmic axis from 20 Hz (bottom row) to 22,050 Hz (top row).
#[test]
fn render_plot_shows_a_sine_at_its_level_and_frequency() {
    let dir = std::env::temp_dir().join(format!("phonon-render-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("s.ph");
    std::fs::write(&file, "cps: 1\nout: sine 1000 * 0.5\n").unwrap();
    let (wav, png) = (dir.join("s.wav"), dir.join("s.png"));
    let o = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args(["render", file.to_str().unwrap(), "--seconds", "1", "-o"])
        .arg(&wav)
        .arg("--plot")
        .arg(&png)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pixmap = resvg::tiny_skia::Pixmap::load_png(&png).unwrap();
    let x = 70 + 1110 / 2;
    let lum = |y: u32| {
        let p = pixmap.pixel(x, y).unwrap();
        p.red() as u32 + p.green() as u32 + p.blue() as u32
    };
    let (spec_top, rows) = (134u32, 160u32);
    let brightest = (0..rows).max_by_key(|r| lum(spec_top + r)).unwrap();
    let hz = 20.0 * (22_050.0f64 / 20.0).powf((rows - 1 - brightest) as f64 / (rows - 1) as f64);
    assert!(
        (hz / 1000.0).log2().abs() < 1.0 / 12.0,
        "{hz} Hz at row {brightest}"
    );
    // Far from the tone (100 Hz), dark.
    let row_100 =
        ((rows - 1) as f64 * (1.0 - (100.0f64 / 20.0).ln() / (22_050.0f64 / 20.0).ln())) as u32;
    assert!(lum(spec_top + row_100) < lum(spec_top + brightest) / 4);
    // The waveform: drawn from -0.5 to +0.5 of its half height (40 px) around y = 90.
    let wave: Vec<u32> = (50..130)
        .filter(|&y| {
            let p = pixmap.pixel(x, y).unwrap();
            (p.red(), p.green(), p.blue()) == (0x4d, 0xab, 0xf7)
        })
        .collect();
    let (top, bottom) = (wave[0], *wave.last().unwrap());
    assert!(
        (top as i32 - 70).abs() <= 1 && (bottom as i32 - 110).abs() <= 1,
        "{top}..{bottom}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
