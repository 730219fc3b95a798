"""The data view: data sets, their samples and class counts, downloads and image folders."""
