"""`make bench`: the engine against QGIS, exactextract and rasterstats on generated CISC-like data."""
