"""Chinese text handling: normalisation, standard codes, tokenisation, lexicon, regions."""
