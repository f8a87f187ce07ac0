"""TODO"""

urls = []
