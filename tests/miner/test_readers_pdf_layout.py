"""Tests of the pure layout functions on synthetic word boxes."""

from nanosynth.miner.readers.pdf_layout import Line, Word, find_gutter, group_rows, page_lines, remove_headers_footers, split_runs

W, H = 600.0, 800.0


def _row(y, *spans, size=10.0):
    return [Word(t, x0, x0 + 6 * len(t), y, y + size, size) for t, x0 in spans]


def _line(y, x0, text, size=10.0):
    """Words of a running text line starting at x0 (3 pt word spacing)."""
    words, x = [], x0
    for t in text.split():
        words.append(Word(t, x, x + 5 * len(t), y, y + size, size))
        x += 5 * len(t) + 3
    return words


def _two_column_page():
    words = _row(50, ("Journal", 60), ("Header", 480))  # running header
    words += _row(100, ("Title", 60), ("spanning", 120), ("the", 200), ("full", 260), ("width", 400))
    for k in range(8):
        y = 150 + 14 * k
        words += _row(y, (f"L{k}", 60), ("left", 90), ("text", 130), ("here", 170), ("end", 240),
                      (f"R{k}", 320), ("right", 350), ("text", 400), ("here", 450), ("end", 520))
    words += _row(770, ("7", 300))
    return words


def test_gutter_found_between_columns():
    rows = [split_runs(r) for r in group_rows(_two_column_page())]
    gutter = find_gutter(rows, W)
    assert gutter is not None and 260 < gutter < 320


def test_single_column_has_no_gutter():
    words = []
    for k in range(10):
        words += _line(100 + 14 * k, 60, "Body text of a single column paper runs across the whole width of the "
                                          "page without any gutter at all")
    assert find_gutter([split_runs(r) for r in group_rows(words)], W) is None


def test_reading_order_left_then_right():
    lines = page_lines(_two_column_page(), 1, W, H)
    texts = [ln.text for ln in lines]
    assert texts[1].startswith("Title")
    left = [i for i, t in enumerate(texts) if t.startswith("L")]
    right = [i for i, t in enumerate(texts) if t.startswith("R")]
    assert len(left) == 8 and len(right) == 8 and max(left) < min(right)


def test_subscripts_join_their_line_without_space():
    words = [Word("Cd(OA)", 60, 96, 100, 110, 10), Word("2", 96.2, 100, 104, 111, 7), Word("was", 104, 122, 100, 110)]
    rows = group_rows(words)
    assert len(rows) == 1
    assert Line(rows[0], 1, 0, W, H).text == "Cd(OA)2 was"


def test_headers_footers_and_page_numbers_removed():
    pages = [page_lines(_two_column_page(), p, W, H) for p in (1, 2, 3)]
    cleaned, removed = remove_headers_footers(pages)
    assert "Journal Header" in removed and "7" in removed
    assert all(ln.text not in {"Journal Header", "7"} for page in cleaned for ln in page)
