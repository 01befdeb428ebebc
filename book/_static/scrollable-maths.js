// A displayed formula wider than the screen scrolls sideways in its own box (the theme's CSS); a box that
// scrolls must be reachable with the keyboard (axe: scrollable-region-focusable). As the theme does
// for code and tables: focusable while it scrolls, not otherwise. Added by book/_ext/offline_mathjax.py.
const focusScrollingMaths = () => {
  for (const box of document.querySelectorAll(".bd-article div.math > mjx-container")) {
    box.tabIndex = box.scrollWidth > box.clientWidth ? 0 : -1;
  }
};
document.addEventListener("DOMContentLoaded", focusScrollingMaths);
window.addEventListener("resize", focusScrollingMaths);
