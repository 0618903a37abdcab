"""Cermin's domain core: survey instruments and the arithmetic of the regulations.

Plain Python only (no Flask, no database): every function takes values and returns
values, so the rules of PermenPANRB 14/2017 (SKM/IKM) and 6/2022 (SKP, BerAKHLAK,
predikat kinerja) can be read and tested in one place.
"""
