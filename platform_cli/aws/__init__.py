"""The only package that imports boto3: clients, local cloud, bootstrap, alarms, history table."""
