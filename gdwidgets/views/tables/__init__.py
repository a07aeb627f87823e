"""HTML tables: grid.py the shared table and its CSS, then one module per widget that has
tables of its own (backprop.py, matrix_backprop.py); the chain rule's tables sit with its
figure (figures/chain_rule.py)."""
