"""The demo's labelled set of residents' opinions (yishi/opinions/data/demo_opinions.csv), which
the routing model learns from until a district has handled enough opinions of its own:
`stock.py` holds the sentence stock per category, `generate.py` writes the file."""
