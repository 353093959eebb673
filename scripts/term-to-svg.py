#!/usr/bin/env python3
"""Turns a terminal transcript (text with ANSI colour codes) into an SVG "screenshot".

    python3 scripts/term-to-svg.py --title "natskit sub" < transcript.txt > docs/cli-sub.svg

The text is played on a minimal terminal first (newlines, carriage returns, cursor up/down, line
clears), so progress bars that redraw in place end as their last frame; SGR codes for bold, dim,
the 8/16 basic colours and reset are kept. Rows are drawn in a monospace font on a dark
background, so GitHub shows the picture in the README.
"""

import argparse
import html
import re
import sys

# The basic palette (normal, then bright), picked for a dark background.
PALETTE = [
    "#3b4252", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#dcdfe4",
    "#5c6370", "#ff7b86", "#b5e890", "#ffd68a", "#82c4ff", "#de9bf2", "#7fd3dd", "#ffffff",
]
FOREGROUND = "#dcdfe4"
BACKGROUND = "#1e2127"
CHAR_WIDTH = 8.4
LINE_HEIGHT = 18
FONT_SIZE = 14
PAD = 16
TITLE_BAR = 28

SGR = re.compile(r"\x1b\[([0-9;]*)m")
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def apply_sgr(params, style):
    """The (colour, bold, dim) style after SGR parameters `params`."""
    colour, bold, dim = style
    codes = [int(c) for c in params.split(";") if c.isdigit()] or [0]
    for code in codes:
        if code == 0:
            colour, bold, dim = None, False, False
        elif code == 1:
            bold = True
        elif code == 2:
            dim = True
        elif code == 22:
            bold = dim = False
        elif code == 39:
            colour = None
        elif 30 <= code <= 37:
            colour = PALETTE[code - 30]
        elif 90 <= code <= 97:
            colour = PALETTE[code - 90 + 8]
    return colour, bold, dim


def screen(text):
    """Plays the text on a minimal terminal (newline, carriage return, cursor up/down, line
    clears, SGR) so progress bars that redraw in place end as their last frame. Returns rows of
    (char, style) cells."""
    rows, row, col = [[]], 0, 0
    style = (None, False, False)
    i = 0
    while i < len(text):
        ch = text[i]
        match = ESCAPE.match(text, i) if ch == "\x1b" else None
        if match:
            params, final = match.groups()
            count = int(params) if params.isdigit() else 1
            if final == "m":
                style = apply_sgr(params, style)
            elif final == "A":
                row = max(0, row - count)
            elif final == "B":
                row += count
            elif final == "G":
                col = max(0, count - 1)
            elif final == "K":
                # 2K clears the whole line, K (0K) from the cursor to its end.
                rows[row] = [] if params == "2" else rows[row][:col]
            while len(rows) <= row:
                rows.append([])
            i = match.end()
            continue
        if ch == "\n":
            row, col = row + 1, 0
            while len(rows) <= row:
                rows.append([])
        elif ch == "\r":
            col = 0
        elif ch == "\x1b":
            pass
        else:
            line = rows[row]
            while len(line) < col:
                line.append((" ", (None, False, False)))
            if col < len(line):
                line[col] = (ch, style)
            else:
                line.append((ch, style))
            col += 1
        i += 1
    while rows and not rows[-1]:
        rows.pop()
    return rows


def spans(cells):
    """Groups a row's cells into (text, colour, bold, dim) runs of one style."""
    out = []
    for ch, style in cells:
        if out and out[-1][1:] == style:
            out[-1] = (out[-1][0] + ch,) + style
        else:
            out.append((ch,) + style)
    return out


def render(text, title):
    lines = screen(text)
    visible = max((len(cells) for cells in lines), default=0)
    width = int(PAD * 2 + max(visible, 40) * CHAR_WIDTH)
    height = TITLE_BAR + PAD * 2 + LINE_HEIGHT * len(lines)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" rx="8" fill="{BACKGROUND}"/>',
        '<circle cx="18" cy="14" r="5" fill="#e06c75"/>',
        '<circle cx="36" cy="14" r="5" fill="#e5c07b"/>',
        '<circle cx="54" cy="14" r="5" fill="#98c379"/>',
        f'<text x="{width / 2}" y="18" fill="#8b929e" font-family="monospace" '
        f'font-size="12" text-anchor="middle">{html.escape(title)}</text>',
        f'<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        f'font-size="{FONT_SIZE}" xml:space="preserve">',
    ]
    for row, line in enumerate(lines):
        y = TITLE_BAR + PAD + LINE_HEIGHT * (row + 1) - 4
        col = 0
        for chunk, colour, bold, dim in spans(line):
            if chunk.strip():
                style = f'fill="{colour or FOREGROUND}"'
                if bold:
                    style += ' font-weight="bold"'
                if dim:
                    style += ' opacity="0.6"'
                x = PAD + col * CHAR_WIDTH
                parts.append(f'<text x="{x:.1f}" y="{y}" {style}>{html.escape(chunk)}</text>')
            col += len(chunk)
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", default="natskit")
    args = parser.parse_args()
    sys.stdout.write(render(sys.stdin.read(), args.title))


if __name__ == "__main__":
    main()
