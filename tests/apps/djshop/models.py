from django.db import models


class Order(models.Model):
    email = models.CharField(max_length=200)
    card = models.CharField(max_length=40)

    class Meta:
        app_label = "djshop"
        db_table = "orders"
