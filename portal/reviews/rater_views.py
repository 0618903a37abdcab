"""Raters answer; employees, supervisors and HR read reports (being built)."""
from flask import Blueprint

bp = Blueprint("review_rater", __name__, template_folder="templates")
