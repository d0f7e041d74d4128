"""Pure spatial logic for sitereg: CRS, validation, text folding, analysis SQL, file I/O."""
