"""kiosk.diag"""
