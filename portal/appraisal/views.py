"""(being built)"""
from flask import Blueprint

bp = Blueprint("appraisal", __name__, url_prefix="/penilaian", template_folder="templates")
