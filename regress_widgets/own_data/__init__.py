"""Data in: your own table (arrays, DataFrames, a CSV file) made a recipe with defaults that suit it, and the
classic datasets shipped with the package. May import recipes, words, theory (the stability limit scales lr).

    columns.py    what a table may hold: columns and labels checked, DataError naming the cell
    csv_file.py   read_csv: a CSV of any size, separator and header found, a progress bar
    from_data.py  from_data and standardized: your data as a Recipe, lr kept at its fraction of 2/λmax
    datasets/     rw.datasets: Anscombe's quartet, with its source
"""
