"""Notification: who must know what, in Thai and English, by e-mail, signed webhook and inbox."""
