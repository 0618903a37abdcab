"""(being built)"""
from flask import Blueprint

bp = Blueprint("insight", __name__, url_prefix="/dasbor", template_folder="templates")
