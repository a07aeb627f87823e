"""The look every picture shares: palette.py every colour, theme.py the HTML's colours per
JupyterLab theme, fonts.py the plots' fonts (a CJK font for Chinese). Imports no other
room of views/."""
