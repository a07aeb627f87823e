"""The one string table still kept apart from its module.

The rule (see :mod:`gdwidgets.i18n`): a module registers the strings it uses next to their
use; a key used by several modules is registered by the lowest of them (the one the others
import). The only table left here is BackpropWidget's own (:mod:`.backprop`), because
``widgets/backprop.py`` is at the 400-line limit; it moves into that module once it has room.
"""
