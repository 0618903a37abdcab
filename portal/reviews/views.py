"""HR and supervisors run 360 cycles (being built)."""
from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/360", template_folder="templates")
