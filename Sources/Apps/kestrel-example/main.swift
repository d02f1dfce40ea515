import Engine
print("hi")
