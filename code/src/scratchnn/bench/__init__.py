"""scratchnn.bench: the project's measuring tools, apart from the library the book teaches.

``cpu`` (``python -m scratchnn bench``) times scratchnn against PyTorch and bare NumPy on this CPU;
``gpu`` (``python -m scratchnn bench gpu``) measures PyTorch training on a GPU and writes records;
``records`` validates, saves and summarises those GPU records (the folder is always passed in).
"""
