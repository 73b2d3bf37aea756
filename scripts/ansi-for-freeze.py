#!/usr/bin/env python3
"""ansi-for-freeze.py FILE: rewrite a `tmux capture-pane -p -e` capture in
place so that charmbracelet/freeze draws it as the terminal did.

- tmux writes a style once and lets it run on to the next lines; freeze starts
  every line plain. The style in force is written again at each line's start.
- freeze keeps the previous colour after SGR 39/49 and draws reset text in its
  own default, not the terminal's: the defaults are written out explicitly
  (GitHub dark: #c9d1d9 on #0d1117), so no border segment turns white or
  vanishes after a reset.
- freeze ignores reverse video (SGR 7): it is drawn as swapped colours.
Every SGR sequence is replaced by one that states the whole style.
"""
import re
import sys

DEFAULT_FG = "38;2;201;209;217"
DEFAULT_BG = "48;2;13;17;23"
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg, self.bg = None, None
        self.bold = self.faint = self.italic = self.underline = self.reverse = False

    def apply(self, params):
        ps = params.split(";") if params else ["0"]
        i = 0
        while i < len(ps):
            p = ps[i]
            head = p.split(":")[0]
            if head in ("", "0"):
                self.reset()
            elif head == "1":
                self.bold = True
            elif head == "2":
                self.faint = True
            elif head == "3":
                self.italic = True
            elif head == "4":
                self.underline = p != "4:0"
            elif head == "7":
                self.reverse = True
            elif head == "22":
                self.bold = self.faint = False
            elif head == "23":
                self.italic = False
            elif head == "24":
                self.underline = False
            elif head == "27":
                self.reverse = False
            elif head in ("38", "48"):
                if ":" in p:  # 38:2::r:g:b or 38:5:n
                    parts = [x for x in p.split(":")[1:] if x != ""]
                    val = head + ";" + ";".join(parts)
                elif i + 1 < len(ps) and ps[i + 1] == "5":
                    val = ";".join(ps[i:i + 3])
                    i += 2
                elif i + 1 < len(ps) and ps[i + 1] == "2":
                    val = ";".join(ps[i:i + 5])
                    i += 4
                else:
                    val = None
                if head == "38":
                    self.fg = val
                else:
                    self.bg = val
            elif head == "39":
                self.fg = None
            elif head == "49":
                self.bg = None
            elif head.isdigit():
                n = int(head)
                if 30 <= n <= 37 or 90 <= n <= 97:
                    self.fg = head
                elif 40 <= n <= 47 or 100 <= n <= 107:
                    self.bg = head
            i += 1

    def sgr(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = as_bg(fg), as_fg(bg)
        attrs = ["0"]
        attrs += ["1"] if self.bold else []
        attrs += ["2"] if self.faint else []
        attrs += ["3"] if self.italic else []
        attrs += ["4"] if self.underline else []
        return "\x1b[" + ";".join(attrs + [fg, bg]) + "m"


def as_bg(fg):
    if fg.startswith("38;"):
        return "48;" + fg[3:]
    n = int(fg)
    return str(n + 10)


def as_fg(bg):
    if bg.startswith("48;"):
        return "38;" + bg[3:]
    n = int(bg)
    return str(n - 10)


def main(path):
    text = open(path, encoding="utf-8", errors="surrogateescape").read()
    style, out = Style(), []
    for line in text.split("\n"):
        start = style.sgr()

        def repl(m):
            style.apply(m.group(1))
            return style.sgr()

        body = SGR.sub(repl, line)
        out.append(start + body if line else line)
    open(path, "w", encoding="utf-8", errors="surrogateescape").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
