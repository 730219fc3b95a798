"""Every concept page, not only the first one the window-wide pseudo-translation test sees,
fits 1024 x 700 in the 30-40 % longer pseudo-language: no text cut, no sideways scrolling."""

from __future__ import annotations

from tests.gui.test_pseudo_translation import cut_off, pseudo_window, visible_texts  # noqa: F401


def test_every_concept_page_fits_under_the_pseudo_translation(pseudo_window, qtbot):  # noqa: F811
    pseudo_window.show_view("concepts")
    qtbot.waitUntil(lambda: pseudo_window.current_view() == "concepts")
    view = pseudo_window.view("concepts")
    frame = pseudo_window._frames["concepts"]
    problems = []
    for key in view.concept_keys():
        view.show_concept(key)
        qtbot.waitUntil(lambda key=key: view.pages[key].isVisible())
        for widget, text in visible_texts(pseudo_window):
            if "［" not in text and not view.isAncestorOf(widget):
                continue  # the window's own texts are the window-wide test's business
            if view.isAncestorOf(widget) and "［" not in text:
                problems.append(f"{key}: not from the catalog: {text[:50]!r}")
            elif cut_off(widget, text):
                problems.append(f"{key}: cut: {type(widget).__name__} {text[:50]!r}")
        if frame.horizontalScrollBar().maximum() > 0:
            problems.append(f"{key}: scrolls sideways")
    assert problems == []
    assert pseudo_window.width() <= 1024
