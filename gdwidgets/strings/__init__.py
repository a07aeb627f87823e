"""String tables of the widgets, kept out of their logic: one module per widget, each
registering its keys with :mod:`gdwidgets.i18n` when imported."""
